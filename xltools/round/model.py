"""Plain data of a collection round (docs/format.md §10): what the store keeps and the service hands out.

Nothing here does I/O. A unit's status is never stored: `status_of` computes it from the unit's
latest upload and the office's review of that upload."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

OPEN = "open"
CLOSED = "closed"
CONFIRM = "confirm"
RETURN = "return"
OFFICE = "office"  # the actor of an office action (one password for now)
MAX_UPLOAD = 20 * 1024 * 1024  # one uploaded file, as the page takes (a filled template is about 60 KB)


class Status(str, Enum):
    """A unit's status in a round, from its latest upload (docs/format.md §10)."""

    NOT_SUBMITTED = "not_submitted"
    ERRORS = "errors"
    WARNINGS = "warnings"
    PASSED = "passed"
    CONFIRMED = "confirmed"

    @property
    def chinese(self) -> str:
        return _CHINESE[self]


_CHINESE = {
    Status.NOT_SUBMITTED: "未提交",
    Status.ERRORS: "有错误",
    Status.WARNINGS: "有提示待核实",
    Status.PASSED: "通过",
    Status.CONFIRMED: "已确认",
}


@dataclass(frozen=True)
class Round:
    """One report year of one office. `source_id`: the round it was started from (last year's)."""

    id: int
    year: int
    office: str  # the office's own agency name (本级机关全称)
    state: str  # OPEN or CLOSED
    created: dt.datetime
    deadline: dt.date | None = None
    source_id: int | None = None

    @property
    def open(self) -> bool:
        return self.state == OPEN


@dataclass(frozen=True)
class Unit:
    """A 填报单位 of a round. `linked`: it has a live link (its token's hash is stored).
    `carried_sha256`/`carried_name`: last year's report its template and year-over-year checks use."""

    id: int
    round_id: int
    position: int
    name: str
    level: str = ""
    parent: str = ""
    linked: bool = False
    carried_sha256: str | None = None
    carried_name: str | None = None


@dataclass(frozen=True)
class Upload:
    """One file a unit (or the office on its behalf) sent: never replaced, never deleted.
    `filename` is for display only, never a path. `verdict` is the `check --json` entry."""

    id: int
    unit_id: int
    sha256: str
    size: int
    filename: str
    uploaded: dt.datetime  # UTC
    verdict: dict[str, Any]
    tool_version: str
    actor: str  # "unit" or OFFICE

    @property
    def unusable(self) -> bool:
        return "error" in self.verdict

    @property
    def errors(self) -> int:
        if self.unusable:
            return 1
        return sum(1 for f in self.verdict.get("findings", ()) if f.get("severity") == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.verdict.get("findings", ()) if f.get("severity") == "warning")

    @property
    def verdict_status(self) -> Status:
        if self.errors:
            return Status.ERRORS
        return Status.WARNINGS if self.warnings else Status.PASSED


@dataclass(frozen=True)
class Review:
    """The office's decision on one upload: CONFIRM, or RETURN with a comment the unit sees."""

    id: int
    upload_id: int
    decision: str
    comment: str
    at: dt.datetime
    actor: str = OFFICE


@dataclass(frozen=True)
class Event:
    """One line of the audit log: who did what, when (UTC), with details."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    round_id: int | None = None
    unit_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitState:
    """A unit as the board shows it: its status, computed; `returned` carries the office's
    comment when the latest upload was returned; `overdue` when the deadline passed without a
    passed or confirmed report."""

    unit: Unit
    status: Status
    uploads: int
    last: Upload | None
    review: Review | None
    overdue: bool

    @property
    def returned(self) -> bool:
        return self.review is not None and self.review.decision == RETURN

    def as_json(self) -> dict[str, Any]:
        last = self.last
        return {
            "unit": self.unit.name,
            "level": self.unit.level or None,
            "parent": self.unit.parent or None,
            "status": self.status.value,
            "status_text": self.status.chinese,
            "uploads": self.uploads,
            "last_upload": iso(last.uploaded) if last else None,
            "errors": last.errors if last else 0,
            "warnings": last.warnings if last else 0,
            "returned": self.returned,
            "comment": self.review.comment if self.returned and self.review else None,
            "overdue": self.overdue,
            "linked": self.unit.linked,
        }


def status_of(last: Upload | None, review: Review | None) -> Status:
    """The status rule of docs/format.md §10: a confirmation counts only for the upload it was
    given to (a new upload clears it) and only when that upload has no errors."""
    if last is None:
        return Status.NOT_SUBMITTED
    verdict = last.verdict_status
    if (
        verdict is not Status.ERRORS
        and review is not None
        and review.upload_id == last.id
        and review.decision == CONFIRM
    ):
        return Status.CONFIRMED
    return verdict


# The documents `xltools round … --json` prints (docs/format.md §10), each opened by its format key:
# a program reading one checks that key first. Its number goes up only when a key changes meaning or
# goes away; a new key may come without it.
LINKS_FORMAT = "xltools.round-links/1"
STATUS_FORMAT = "xltools.round-status/1"
UPLOAD_FORMAT = "xltools.round-upload/1"


def links_json(year: int, links: Sequence[tuple[Unit, str]]) -> dict[str, Any]:
    """Links just issued (`new`, `next`, `links`): each unit with its link (unit, url pairs)."""
    rows = [{"unit": u.name, "link": url, "level": u.level or None, "parent": u.parent or None} for u, url in links]
    return {"format": LINKS_FORMAT, "year": year, "links": rows}


def status_json(year: int, board: Sequence[UnitState]) -> dict[str, Any]:
    """The board (`status`): every unit's state, in the roster's order."""
    return {"format": STATUS_FORMAT, "year": year, "units": [s.as_json() for s in board]}


def upload_json(unit: Unit, upload: Upload, status: Status) -> dict[str, Any]:
    """One upload (`upload`): the unit's status after it, the file's sha256 and its stored verdict
    (its `check --json` entry)."""
    return {
        "format": UPLOAD_FORMAT,
        "unit": unit.name,
        "status": status.value,
        "sha256": upload.sha256,
        "verdict": upload.verdict,
    }


def iso(when: dt.datetime) -> str:
    """A UTC time as stored and exported: 2026-01-05T03:04:05.123456Z."""
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> dt.datetime:
    """A time as `iso` writes it (fromisoformat: ten times faster than strptime on a 3,000-unit board)."""
    return dt.datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=dt.timezone.utc)


__all__ = [
    "CLOSED",
    "CONFIRM",
    "LINKS_FORMAT",
    "MAX_UPLOAD",
    "OFFICE",
    "OPEN",
    "RETURN",
    "STATUS_FORMAT",
    "UPLOAD_FORMAT",
    "Event",
    "Review",
    "Round",
    "Status",
    "Unit",
    "UnitState",
    "Upload",
    "iso",
    "links_json",
    "parse_iso",
    "status_json",
    "status_of",
    "upload_json",
]
