"""The round's policy (docs/format.md §10): who may do what, uploads checked at once, statuses
computed, reviews, the audit log, next year's round. The web page and the command line call this
and hold no policy of their own.

Two doors:
- `RoundService`: the office's (the caller has already proven it is the office: the command line
  by owning the data folder, the web page by `session_valid`).
- `UnitDesk`, from `RoundService.desk(token)`: a unit's, bound to the one unit its link names;
  nothing reachable through it belongs to another unit.

The check of an upload is injectable (`check`): a callable (bytes, file name, last year's report or
None) -> the `check --json` entry of that file; the default checks in this process.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from xltools import __version__
from xltools.errors import XltoolsError
from xltools.formats import READABLE
from xltools.model import Finding, Report
from xltools.round import auth
from xltools.round.errors import LoginRefused, NotFound, Refused, UploadRefused
from xltools.round.model import (
    CLOSED,
    CONFIRM,
    MAX_UPLOAD,
    OFFICE,
    OPEN,
    RETURN,
    Event,
    Review,
    Round,
    Status,
    Unit,
    UnitState,
    Upload,
    status_of,
)
from xltools.round.roster import Entry
from xltools.round.store import SQLiteStore, Store
from xltools.rules.registry import U1
from xltools.spec import YEAR_MAX, YEAR_MIN
from xltools.text import clean_text, fold

Checker = Callable[[bytes, str, "Report | None"], dict]

ACCEPTED = (".xlsx", ".json", *READABLE)  # what `check` reads: the template, its JSON form, published reports
UNIT = "unit"  # the actor of a unit's own action
CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # no daylight saving: a fixed offset is exact
SESSION_HOURS = 12
THROTTLE_FREE = 5  # wrong passwords allowed before each further one makes the next attempt wait
THROTTLE_MAX_SECONDS = 15 * 60


def check_in_process(data: bytes, filename: str, previous: Report | None) -> dict:
    """The default check: the same reading and rules as `check`, its `--json` entry as the verdict."""
    from xltools.load import check_bytes
    from xltools.text import displayable
    from xltools.verdict import file_json

    return displayable(file_json(check_bytes(data, filename, previous=previous)))


@dataclass(frozen=True)
class Link:
    """A unit's private link, as issued (the token is shown only now: the store keeps its hash)."""

    unit: Unit
    token: str

    def url(self, base_url: str = "") -> str:
        return f"{base_url.rstrip('/')}/u/{self.token}"


@dataclass(frozen=True)
class Issued:
    """A round just created (or links just re-issued), with the links to send out."""

    round: Round
    links: list[Link]


@dataclass(frozen=True)
class Version:
    """One upload in a unit's history, with every review it got (oldest first)."""

    upload: Upload
    reviews: list[Review]


def display_name(filename: str) -> str:
    """A file name as given, for display only: its last path part, cleaned, at most 200 characters."""
    name = re.split(r"[\\/]", clean_text(filename or ""))[-1].strip()
    return name[:200] or "未命名文件"


def suffix_of(filename: str) -> str:
    m = re.search(r"\.[A-Za-z0-9]{1,8}$", filename)
    return m.group(0).lower() if m else ""


def mismatch_findings(verdict: dict, unit_name: str, year: int, *, workbook: bool = False) -> list[Finding]:
    """U1: a report of another agency or another year, kept and judged, but an error. In a
    workbook the finding names the cell to correct (基本信息's 机关全称 or 年度)."""
    if "error" in verdict:
        return []
    cells: dict[str, str] = {}
    if workbook:
        from xltools.workbook.layout import field_ref

        cells = {p: field_ref(p) for p in ("agency.name", "year")}
    found = []
    agency = verdict.get("agency") or ""
    if fold(agency) != fold(unit_name):
        found.append(
            U1.finding(
                "agency.name",
                U1.say("agency", agency=agency, unit=unit_name) if agency else U1.say("no_agency", unit=unit_name),
                cell=cells.get("agency.name"),
                expected=unit_name,
                actual=agency or None,
            )
        )
    if verdict.get("year") != year:
        found.append(
            U1.finding(
                "year",
                U1.say("year", found=verdict.get("year"), year=year)
                if verdict.get("year")
                else U1.say("no_year", year=year),
                cell=cells.get("year"),
                expected=year,
                actual=verdict.get("year"),
            )
        )
    return found


def with_findings(verdict: dict, extra: Sequence[Finding]) -> dict:
    if not extra:
        return verdict
    from xltools.text import displayable

    out = dict(verdict)
    out["findings"] = [*(displayable(f.as_json()) for f in extra), *verdict.get("findings", [])]
    out["ok"] = False
    return out


class RoundService:
    """The office's side of every round in one store. Thread-safe (the store gives each thread its
    own connection); several processes may open the same store."""

    def __init__(
        self,
        store: Store,
        *,
        check: Checker | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        max_upload: int = MAX_UPLOAD,
    ):
        self.store = store
        self.check = check or check_in_process
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self.max_upload = max_upload
        self._previous = functools.lru_cache(maxsize=256)(self._read_previous)

    @classmethod
    def open(cls, folder: str, **kw: Any) -> RoundService:
        """The service over the store in a data folder (created, or migrated forward, on open)."""
        return cls(SQLiteStore(folder), **kw)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> RoundService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> dt.datetime:
        return self.clock().astimezone(dt.timezone.utc)

    # --- rounds ---------------------------------------------------------------------------------------

    def create_round(self, year: int, office: str, roster: Sequence[Entry], deadline: dt.date | None = None) -> Issued:
        """A new open round of `year` with one fresh link per unit of the roster. Refused when
        the store already has a round of that year (at most one round per year)."""
        return self._create(year, office, roster, deadline, carried={}, source_id=None)

    def _create(
        self,
        year: int,
        office: str,
        roster: Sequence[Entry],
        deadline: dt.date | None,
        carried: dict[str, Upload],
        source_id: int | None,
    ) -> Issued:
        office = clean_text(office or "").strip()
        if not fold(office):
            raise Refused("请写明本级机关全称（本轮收集所属的机关）。", code="needs_name")
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise Refused(f"年度 {year} 超出本程序支持的年度（{YEAR_MIN}–{YEAR_MAX} 年）。", code="year")
        if not roster:
            raise Refused("单位名单是空的。请至少列出一个单位。", code="empty_roster")
        if any(r.year == year for r in self.store.rounds()):
            raise Refused(f"{year} 年度的收集已经建立过（每个年度只能有一轮）。", code="round_exists")
        tokens = [auth.new_token() for _ in roster]
        units = []
        for entry, token in zip(roster, tokens, strict=True):
            last = carried.get(entry.folded)
            units.append(
                {
                    "name": entry.name,
                    "folded": entry.folded,
                    "level": entry.level,
                    "parent": entry.parent,
                    "token_hash": auth.token_hash(token),
                    "carried_sha256": last.sha256 if last else None,
                    "carried_name": last.filename if last else None,
                }
            )
        import sqlite3

        try:
            rnd = self.store.create_round(year, office, deadline, units, self.now(), source_id)
        except sqlite3.IntegrityError as exc:  # a concurrent creation of the same year
            raise Refused(f"{year} 年度的收集已经建立过（每个年度只能有一轮）。", code="round_exists") from exc
        made = self.store.units(rnd.id)
        return Issued(rnd, [Link(u, t) for u, t in zip(made, tokens, strict=True)])

    def rounds(self) -> list[Round]:
        """Every round of the store, oldest year first."""
        return self.store.rounds()

    def round(self, year: int | None = None) -> Round:
        """The round of `year`, or the latest year's when None; NotFound when there is none."""
        rounds = self.store.rounds()
        if not rounds:
            raise NotFound("数据文件夹中还没有任何一轮收集。请先建立一轮收集。", code="no_round")
        if year is None:
            return rounds[-1]
        for r in rounds:
            if r.year == year:
                return r
        have = "、".join(str(r.year) for r in rounds)
        raise NotFound(f"没有 {year} 年度的收集（已有：{have} 年度）。", code="no_round")

    def round_by_id(self, round_id: int) -> Round:
        return self.store.round(round_id)

    def close_round(self, round_id: int) -> Round:
        """Close a round: units can no longer upload; everything stays readable and exportable."""
        return self._set_state(round_id, CLOSED, "round_closed")

    def reopen_round(self, round_id: int) -> Round:
        """Reopen a closed round (logged)."""
        return self._set_state(round_id, OPEN, "round_reopened")

    def _set_state(self, round_id: int, state: str, action: str) -> Round:
        rnd = self.store.round(round_id)
        if rnd.state != state:
            self.store.set_round_state(round_id, state)
            self.store.log(self.now(), OFFICE, action, round_id)
        return self.store.round(round_id)

    def set_deadline(self, round_id: int, deadline: dt.date | None) -> Round:
        """Change (or clear) a round's deadline (logged)."""
        self.store.set_deadline(round_id, deadline)
        self.store.log(
            self.now(), OFFICE, "deadline_set", round_id, deadline=deadline.isoformat() if deadline else None
        )
        return self.store.round(round_id)

    def add_unit(self, round_id: int, entry: Entry) -> Link:
        """A unit added to a round's roster (a new department), with its link; refused when a
        unit of that name (folded) is already on it."""
        rnd = self.store.round(round_id)
        for u in self.store.units(round_id):
            if fold(u.name) == entry.folded:
                raise Refused(f"“{u.name}”已经在 {rnd.year} 年度的单位名单中。", code="unit_exists")
        token = auth.new_token()
        unit = self.store.add_unit(
            round_id,
            {
                "name": entry.name,
                "folded": entry.folded,
                "level": entry.level,
                "parent": entry.parent,
                "token_hash": auth.token_hash(token),
            },
        )
        self.store.log(self.now(), OFFICE, "unit_added", round_id, unit.id, name=unit.name)
        return Link(unit, token)

    def next_round(
        self, round_id: int, roster: Sequence[Entry] | None = None, deadline: dt.date | None = None
    ) -> Issued:
        """Next year's round from this one (open or closed): the same roster unless another is
        given, new links, year + 1; each unit carries its last confirmed report of this round
        (else its latest error-free one) for its pre-filled template and year-over-year checks."""
        source = self.store.round(round_id)
        old_units = self.store.units(round_id)
        if roster is None:
            roster = [Entry(u.name, u.level, u.parent, u.position + 1) for u in old_units]
        carried = {}
        for u in old_units:
            last = self.carried_upload(u.id)
            if last is not None:
                carried[fold(u.name)] = last
        return self._create(source.year + 1, source.office, roster, deadline, carried, source.id)

    def carried_upload(self, unit_id: int) -> Upload | None:
        """The upload of a unit that next year starts from: its last confirmed one (confirmed as
        its latest review), else its latest without errors; None when it has neither."""
        versions = self.history(unit_id)
        confirmed = [
            v.upload for v in versions if v.reviews and v.reviews[-1].decision == CONFIRM and not v.upload.errors
        ]
        if confirmed:
            return confirmed[-1]
        clean = [v.upload for v in versions if not v.upload.errors]
        return clean[-1] if clean else None

    # --- units and the board ------------------------------------------------------------------------

    def units(self, round_id: int) -> list[Unit]:
        return self.store.units(round_id)

    def unit(self, unit_id: int) -> Unit:
        return self.store.unit(unit_id)

    def unit_named(self, round_id: int, name: str) -> Unit:
        """A unit of the round by its name (compared folded)."""
        for u in self.store.units(round_id):
            if fold(u.name) == fold(name):
                return u
        raise NotFound(f"本轮收集的单位名单中没有“{name}”。", code="no_unit")

    def board(self, round_id: int) -> list[UnitState]:
        """Every unit of the round in roster order, with its computed status."""
        rnd = self.store.round(round_id)
        latest = self.store.latest(round_id)
        today = self.now().astimezone(CHINA).date()
        states = []
        for u in self.store.units(round_id):
            last, count, review = latest.get(u.id, (None, 0, None))
            states.append(_state(rnd, u, last, count, review, today))
        return states

    def unit_state(self, unit_id: int) -> UnitState:
        u = self.store.unit(unit_id)
        rnd = self.store.round(u.round_id)
        uploads = self.store.uploads(unit_id)
        last = uploads[-1] if uploads else None
        reviews = self.store.reviews(last.id) if last else []
        today = self.now().astimezone(CHINA).date()
        return _state(rnd, u, last, len(uploads), reviews[-1] if reviews else None, today)

    def history(self, unit_id: int) -> list[Version]:
        """Every upload of a unit, oldest first, each with its reviews."""
        reviews: dict[int, list[Review]] = {}
        for r in self.store.unit_reviews(unit_id):
            reviews.setdefault(r.upload_id, []).append(r)
        return [Version(up, reviews.get(up.id, [])) for up in self.store.uploads(unit_id)]

    def events(self, round_id: int | None = None) -> list[Event]:
        """The audit log (of one round, or of the whole store), oldest first."""
        return self.store.events(round_id)

    # --- links --------------------------------------------------------------------------------------

    def reissue_link(self, unit_id: int) -> Link:
        """A new link for a unit; its old link stops working at once."""
        unit = self.store.unit(unit_id)
        token = auth.new_token()
        self.store.set_token_hash(unit_id, auth.token_hash(token))
        self.store.log(self.now(), OFFICE, "link_reissued", unit.round_id, unit_id)
        return Link(self.store.unit(unit_id), token)

    def revoke_link(self, unit_id: int) -> Unit:
        """Take a unit's link away (it answers as an unknown link from now on)."""
        unit = self.store.unit(unit_id)
        self.store.set_token_hash(unit_id, None)
        self.store.log(self.now(), OFFICE, "link_revoked", unit.round_id, unit_id)
        return self.store.unit(unit_id)

    def issue_missing_links(self, round_id: int) -> list[Link]:
        """Links for the units that have none (after an import, or after revoking)."""
        return [self.reissue_link(u.id) for u in self.store.units(round_id) if not u.linked]

    def desk(self, token: str) -> UnitDesk:
        """The unit a link token names, as its desk; NotFound for an unknown or revoked token.
        The token is looked up by its hash and the stored hash compared in constant time."""
        wanted = auth.token_hash(token or "")
        found = self.store.unit_by_token_hash(wanted)
        if found is None or not auth.same_hash(found[1], wanted):
            raise NotFound("这个链接无效或已停用。请向政务公开办索取新的链接。", code="bad_link")
        return UnitDesk(self, found[0])

    # --- uploads and reviews --------------------------------------------------------------------------

    def upload(self, unit_id: int, data: bytes, filename: str, *, actor: str = OFFICE) -> Upload:
        """Keep and judge one file for a unit: checked at once (with last year's report when the
        unit carries one), a report of another agency or year marked with a U1 error. Refused
        (and logged, not stored) when the round is closed, or the file too large or of a type
        that cannot be checked."""
        unit = self.store.unit(unit_id)
        rnd = self.store.round(unit.round_id)
        shown = display_name(filename)
        if not rnd.open:
            self._refuse(rnd, unit, actor, shown, len(data), "closed")
            raise Refused(f"{rnd.year} 年度的收集已结束，不再接收上传。如需修改，请联系政务公开办。", code="closed")
        if len(data) > self.max_upload:
            self._refuse(rnd, unit, actor, shown, len(data), "too_large")
            raise UploadRefused(
                f"文件太大（{len(data) / 1048576:.1f} MB，上限 {self.max_upload // 1048576} MB）。填好的模板通常不到 1 MB，请确认选对了文件。",
                code="too_large",
            )
        if suffix_of(shown) not in ACCEPTED:
            self._refuse(rnd, unit, actor, shown, len(data), "type")
            raise UploadRefused(
                f"不能检查这种文件（{suffix_of(shown) or '没有扩展名'}）。请上传填好的 .xlsx 模板，"
                "或已发布的报告（.docx、.pdf、.html、.txt）。",
                code="type",
            )
        previous = self.previous_report(unit)
        try:
            verdict = self.check(data, shown, previous)
        except XltoolsError as exc:
            verdict = {"path": shown, "ok": False, "error": {"code": exc.code, "message": exc.message}}
        except Exception:  # a checker that broke (a worker lost): the file is still kept, as unreadable
            verdict = {
                "path": shown,
                "ok": False,
                "error": {
                    "code": "check_failed",
                    "message": "检查这个文件时程序出错，未能读出结果。请再上传一次；仍不行请联系政务公开办。",
                },
            }
        workbook = suffix_of(shown) == ".xlsx"
        verdict = with_findings(verdict, mismatch_findings(verdict, unit.name, rnd.year, workbook=workbook))
        sha = self.store.put_blob(data)  # durable before the row that names it commits
        return self.store.add_upload(unit.id, sha, len(data), shown, self.now, verdict, __version__, actor)

    def _refuse(self, rnd: Round, unit: Unit, actor: str, shown: str, size: int, reason: str) -> None:
        self.store.log(self.now(), actor, "upload_refused", rnd.id, unit.id, filename=shown, size=size, reason=reason)

    def previous_report(self, unit: Unit) -> Report | None:
        """Last year's report a unit carries (its year-over-year checks use it), or None."""
        if not unit.carried_sha256:
            return None
        return self._previous(unit.carried_sha256, unit.carried_name or "上年报告.xlsx")

    def _read_previous(self, sha256: str, name: str) -> Report | None:
        from xltools.load import load_bytes

        try:
            return load_bytes(self.store.blob(sha256), name).report
        except XltoolsError:
            return None

    def review(self, unit_id: int, decision: str, comment: str = "", *, upload_id: int | None = None) -> Review:
        """The office's decision on a unit's latest upload: CONFIRM (refused when it has errors)
        or RETURN with a comment the unit sees. `upload_id`, when given, must be that latest
        upload: a review never lands on a newer upload the office has not seen."""
        if decision not in (CONFIRM, RETURN):
            raise Refused("审核只能是“确认”或“退回”。", code="decision")
        unit = self.store.unit(unit_id)
        rnd = self.store.round(unit.round_id)
        if not rnd.open:
            raise Refused(f"{rnd.year} 年度的收集已结束，不能再审核。如需审核，请先重新开放本轮收集。", code="closed")
        uploads = self.store.uploads(unit_id)
        if not uploads:
            raise Refused(f"“{unit.name}”还没有上传报告，无从审核。", code="no_upload")
        last = uploads[-1]
        if upload_id is not None and upload_id != last.id:
            raise Refused(f"“{unit.name}”已经上传了新的版本，请看过新版本后再审核。", code="stale")
        comment = clean_text(comment or "").strip()
        if decision == CONFIRM and last.errors:
            raise Refused(
                f"“{unit.name}”最新上传的报告有 {last.errors} 处错误，不能确认。可以退回并写明要改正的地方。",
                code="has_errors",
            )
        if decision == RETURN and not comment:
            raise Refused("退回时请写明原因，单位会看到这段说明。", code="needs_comment")
        return self.store.add_review(last.id, decision, comment, self.now(), OFFICE)

    def confirm(self, unit_id: int, *, upload_id: int | None = None) -> Review:
        return self.review(unit_id, CONFIRM, upload_id=upload_id)

    def send_back(self, unit_id: int, comment: str, *, upload_id: int | None = None) -> Review:
        return self.review(unit_id, RETURN, comment, upload_id=upload_id)

    def upload_of(self, upload_id: int) -> Upload:
        return self.store.upload(upload_id)

    def file(self, upload_id: int) -> bytes:
        """The original bytes of an upload."""
        return self.store.blob(self.store.upload(upload_id).sha256)

    def template(self, unit_id: int) -> bytes:
        """The unit's template: its agency name and the round's year filled in; in a round
        started from last year's, last year's figures carried forward (`template --previous`)."""
        unit = self.store.unit(unit_id)
        rnd = self.store.round(unit.round_id)
        if unit.carried_sha256:
            from xltools.load import load_bytes
            from xltools.previous import next_template_from

            result = load_bytes(self.store.blob(unit.carried_sha256), unit.carried_name or "上年报告.xlsx")
            return next_template_from(result)
        from xltools.workbook.template import template_bytes

        return template_bytes({"agency.name": unit.name, "year": rnd.year})

    def rendered(self, upload_id: int, fmt: str = "docx") -> bytes:
        """An upload rendered as a report (docx, pdf, html, …); ReportHasErrors when it has errors."""
        from xltools.render import build

        upload = self.store.upload(upload_id)
        if upload.errors:
            from xltools.errors import ReportHasErrors

            raise ReportHasErrors(
                f"这份报告有 {upload.errors} 处错误，未生成报告。请按列出的位置改正后再上传。", code="build_errors"
            )
        return build(self.result_of(upload).result, fmt)

    def result_of(self, upload: Upload):
        """An upload read and checked again in this process (a FileResult), with its U1 findings."""
        from xltools.load import check_bytes
        from xltools.model import FileResult

        unit = self.store.unit(upload.unit_id)
        rnd = self.store.round(unit.round_id)
        r = check_bytes(self.store.blob(upload.sha256), upload.filename, previous=self.previous_report(unit))
        if r.result is not None:
            extra = mismatch_findings(
                {"agency": r.result.report.name, "year": r.result.report.year},
                unit.name,
                rnd.year,
                workbook=suffix_of(upload.filename) == ".xlsx",
            )
            r.result.findings[:0] = extra
        return FileResult(f"{unit.name}/{upload.filename}", r.result, r.error)

    # --- the address units reach the service at ------------------------------------------------------

    def base_url(self) -> str | None:
        """The address units reach the service at (their links start with it), as last set."""
        return self.store.setting("base_url")

    def set_base_url(self, url: str) -> str:
        """Remember the address units reach the service at; it as kept (no final slash)."""
        url = url.strip().rstrip("/")
        if base_url_host(url) is None:
            raise Refused(
                f"网址“{url}”不对：应以 http:// 或 https:// 开头，后面是本机的地址和端口，例如 http://192.168.1.10:8765。",
                code="bad_base_url",
            )
        self.store.set_setting("base_url", url)
        return url

    def hosts(self) -> list[str]:
        """The names units reach the service by: the host of the remembered address (a server
        answers to them without being told each; see xltools.web.security.HostGuard)."""
        host = base_url_host(self.base_url() or "")
        return [host] if host else []

    # --- the office's password and sessions -----------------------------------------------------------

    def has_password(self) -> bool:
        return self.store.setting("office_password") is not None

    def set_password(self, password: str) -> None:
        """Set (or reset) the office password; every open session ends."""
        if len(password) < auth.MIN_PASSWORD:
            raise Refused(f"密码至少要 {auth.MIN_PASSWORD} 个字符。", code="weak_password")
        self.store.set_setting("office_password", auth.hash_password(password))
        self.store.delete_sessions()
        self.store.log(self.now(), OFFICE, "password_set")

    def login(self, password: str, *, key: str = "office") -> str:
        """A new office session token for the right password. After THROTTLE_FREE wrong ones in a
        row, each further one makes the next attempt wait (doubling, at most 15 minutes), kept in
        the store so a restart does not reset it; LoginRefused says how long."""
        now = self.now()
        failures, until = self.store.throttle(key)
        if until is not None and now < until:
            wait = (until - now).total_seconds()
            raise LoginRefused(f"密码错误次数过多，请 {int(wait) + 1} 秒后再试。", code="throttled", wait=wait)
        stored = self.store.setting("office_password")
        if stored is None or not auth.verify_password(password, stored):
            failures += 1
            delay = 0 if failures < THROTTLE_FREE else min(2 ** (failures - THROTTLE_FREE), THROTTLE_MAX_SECONDS)
            done = (
                self.now()
            )  # the wait starts when this attempt is answered, not when it came in (scrypt takes a while)
            self.store.set_throttle(key, failures, done + dt.timedelta(seconds=delay) if delay else None)
            self.store.log(now, "anonymous", "login_failed", failures=failures)
            raise LoginRefused("密码不对。", code="wrong_password", wait=delay)
        self.store.set_throttle(key, 0, None)
        token = auth.new_token()
        self.store.add_session(auth.token_hash(token), now, now + dt.timedelta(hours=SESSION_HOURS))
        self.store.log(now, OFFICE, "login")
        return token

    def session_valid(self, token: str | None) -> bool:
        """Whether a session token is one the office was given and has not expired."""
        if not token:
            return False
        wanted = auth.token_hash(token)
        found = self.store.session(wanted)
        return found is not None and auth.same_hash(found[0], wanted) and self.now() < found[1]

    def logout(self, token: str) -> None:
        self.store.delete_sessions(auth.token_hash(token))


def base_url_host(url: str) -> str | None:
    """The host name of an http(s) address, lower case (None when it is not one)."""
    from urllib.parse import urlsplit

    if not url or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is no number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    return parts.hostname.lower().rstrip(".")


def _state(rnd: Round, u: Unit, last: Upload | None, count: int, review: Review | None, today: dt.date) -> UnitState:
    if review is not None and (last is None or review.upload_id != last.id):
        review = None
    status = status_of(last, review)
    overdue = rnd.deadline is not None and today > rnd.deadline and status not in (Status.PASSED, Status.CONFIRMED)
    return UnitState(u, status, count, last, review, overdue)


class UnitDesk:
    """What a unit's link may do, bound to that one unit: see its own state and history, download
    its template and its own files, upload. Every id it is given is checked to be its own."""

    def __init__(self, service: RoundService, unit: Unit):
        self.service = service
        self.unit = unit

    @property
    def round(self) -> Round:
        return self.service.store.round(self.unit.round_id)

    def state(self) -> UnitState:
        return self.service.unit_state(self.unit.id)

    def history(self) -> list[Version]:
        return self.service.history(self.unit.id)

    def template(self) -> bytes:
        return self.service.template(self.unit.id)

    def upload(self, data: bytes, filename: str) -> Upload:
        return self.service.upload(self.unit.id, data, filename, actor=UNIT)

    def own(self, upload_id: int) -> Upload:
        """One of this unit's uploads; NotFound for any other (another unit's is not revealed)."""
        try:
            upload = self.service.store.upload(upload_id)
        except NotFound:
            upload = None
        if upload is None or upload.unit_id != self.unit.id:
            raise NotFound("没有这份上传的文件。", code="not_found")
        return upload

    def file(self, upload_id: int) -> bytes:
        return self.service.store.blob(self.own(upload_id).sha256)

    def rendered(self, upload_id: int, fmt: str = "docx") -> bytes:
        return self.service.rendered(self.own(upload_id).id, fmt)


__all__ = [
    "ACCEPTED",
    "MAX_UPLOAD",
    "Checker",
    "Issued",
    "Link",
    "RoundService",
    "UnitDesk",
    "Version",
    "check_in_process",
    "display_name",
    "mismatch_findings",
]
