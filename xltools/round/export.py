"""Getting a round out and back in, and the whole store copied safely.

Export (`export_round`): a zip for the archive and for a later version to import:

    index.json        format "xltools.round-export/1": the round, every unit (name, level, parent,
                      the report it carried from last year, its link's sha256), every upload of every unit (sha256,
                      size, file name as given, UTC time, stored verdict, tool version, who, the
                      office's reviews) and the audit log
    files/<sha256>    every file's original bytes, once each (a carried report too)
    log.txt           the audit log as a person reads it (Beijing time)

A link is exported as its sha256 only (`link_sha256`; the link itself is a credential and is not
even stored): an imported round is closed, and the links the units were sent open it again (read
only until the office reopens it); a unit whose link was revoked gets one when the office issues it.

Backup (`backup`): a consistent copy of the live store taken with SQLite's backup API (works while
the service runs and writes), zipped with every blob the copy names:

    xltools-backup.json   format "xltools.round-backup/1", schema version, time, blob count
    store.sqlite3         the database as of one moment
    blobs/<sha256>        every blob that database names (blobs are written before their rows,
                          so every one it names exists when the copy is taken)

`restore` checks a backup whole (the database's integrity, every blob against its hash) before it
writes anything, then puts it into a data folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from xltools import __version__
from xltools.errors import UnusableInput
from xltools.files import atomic_path
from xltools.round import journal
from xltools.round.errors import Refused, StoreError
from xltools.round.model import Event, Round, iso
from xltools.round.service import RoundService
from xltools.round.store import BLOBS, DATABASE, SQLiteStore, Store, write_blob
from xltools.text import fold

EXPORT_FORMAT = "xltools.round-export/1"
BACKUP_FORMAT = "xltools.round-backup/1"
BACKUP_MANIFEST = "xltools-backup.json"


def _json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2).encode("utf-8")


def export_index(service: RoundService, rnd: Round) -> dict:
    """The JSON index of a round's export (what `export_round` writes as index.json)."""
    states = {s.unit.id: s for s in service.board(rnd.id)}
    units = []
    for u in service.units(rnd.id):
        carried = None
        if u.carried_sha256:
            carried = {
                "sha256": u.carried_sha256,
                "size": len(service.store.blob(u.carried_sha256)),
                "filename": u.carried_name,
                "file": f"files/{u.carried_sha256}",
            }
        uploads = [
            {
                "id": v.upload.id,
                "sha256": v.upload.sha256,
                "size": v.upload.size,
                "file": f"files/{v.upload.sha256}",
                "filename": v.upload.filename,
                "uploaded": iso(v.upload.uploaded),
                "verdict": v.upload.verdict,
                "tool_version": v.upload.tool_version,
                "actor": v.upload.actor,
                "reviews": [
                    {"decision": r.decision, "comment": r.comment, "at": iso(r.at), "actor": r.actor} for r in v.reviews
                ],
            }
            for v in service.history(u.id)
        ]
        units.append(
            {
                "id": u.id,
                "name": u.name,
                "folded": fold(u.name),
                "level": u.level,
                "parent": u.parent,
                "status": states[u.id].status.value,
                "carried": carried,
                "link_sha256": service.store.token_hash_of(u.id),  # the link's hash only, never the link
                "uploads": uploads,
            }
        )
    events = [
        {"at": iso(e.at), "actor": e.actor, "action": e.action, "unit_id": e.unit_id, "detail": e.detail}
        for e in service.events(rnd.id)
    ]
    return {
        "format": EXPORT_FORMAT,
        "tool_version": __version__,
        "exported": iso(service.now()),
        "round": {
            "year": rnd.year,
            "office": rnd.office,
            "deadline": rnd.deadline.isoformat() if rnd.deadline else None,
            "state": rnd.state,
            "created": iso(rnd.created),
        },
        "units": units,
        "events": events,
    }


def export_round(service: RoundService, rnd: Round, target: str | os.PathLike, *, force: bool = False) -> dict:
    """Write a round's export zip to `target` (atomically; exclusively unless `force`); returns
    the index. Every file is streamed from the store, one at a time."""
    from xltools.round.downloads import shown_time

    index = export_index(service, rnd)
    names = {u["id"]: u["name"] for u in index["units"]}
    with (
        atomic_path(target, force=force) as tmp,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf,
    ):
        zf.writestr("index.json", _json(index))
        written = set()
        for u in index["units"]:
            files = [*([u["carried"]] if u["carried"] else []), *u["uploads"]]
            for f in files:
                if f["sha256"] not in written:
                    zf.writestr(f["file"], service.store.blob(f["sha256"]))
                    written.add(f["sha256"])
        versions = {f["id"]: n for u in index["units"] for n, f in enumerate(u["uploads"], 1)}
        log = []
        for e in index["events"]:
            at = dt.datetime.fromisoformat(e["at"].replace("Z", "+00:00"))
            said = journal.line(Event(0, at, e["actor"], e["action"], None, e["unit_id"], e["detail"]), names, versions)
            log.append(f"{shown_time(at)}\t{said.actor}\t{said.action}\t{said.unit}\t{said.detail}")
        zf.writestr("log.txt", "\r\n".join(["时间（北京时间）\t操作者\t操作\t单位\t详情", *log]) + "\r\n")
    return index


def import_round(service: RoundService, source: str | os.PathLike) -> Round:
    """Put an exported round into this store (which must not have a round of that year): every
    file checked against its sha256 first, then everything in one transaction. The round comes
    in closed; the units' links sent out open it again (their hashes came along)."""
    try:
        zf = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        raise UnusableInput("这不是 xltools 导出的收集文件（.zip）。", code="not_export", path=str(source)) from exc
    with zf:
        try:
            index = json.loads(zf.read("index.json"))
        except (KeyError, ValueError) as exc:
            raise UnusableInput("导出文件中没有可读的 index.json。", code="not_export", path=str(source)) from exc
        if not isinstance(index, dict) or index.get("format") != EXPORT_FORMAT:
            raise UnusableInput(
                f"导出文件的格式“{index.get('format') if isinstance(index, dict) else ''}”不是本程序认识的（{EXPORT_FORMAT}）。",
                code="not_export",
                path=str(source),
            )
        rnd = index["round"]
        if any(r.year == rnd["year"] for r in service.rounds()):
            raise Refused(f"数据文件夹中已经有 {rnd['year']} 年度的收集，不能再导入同一年度的。", code="round_exists")
        for u in index["units"]:
            for f in [*([u["carried"]] if u.get("carried") else []), *u["uploads"]]:
                try:
                    data = zf.read(f["file"])
                except KeyError as exc:
                    raise UnusableInput(f"导出文件缺少 {f['file']}。", code="damaged", path=str(source)) from exc
                if hashlib.sha256(data).hexdigest() != f["sha256"]:
                    raise UnusableInput(
                        f"导出文件中的 {f['file']} 已损坏（校验值不符）。", code="damaged", path=str(source)
                    )
                service.store.put_blob(data)
        round_id = service.store.insert_archive(rnd, index["units"], index["events"], service.now())
    return service.round_by_id(round_id)


# --- backup and restore -------------------------------------------------------------------------------


def backup(store: Store, target: str | os.PathLike, *, force: bool = False) -> dict:
    """A consistent copy of the live store (SQLite's backup API, then the blobs it names) as one
    zip at `target`, written atomically; returns its manifest."""
    if not isinstance(store, SQLiteStore):
        raise StoreError("只有 SQLite 数据文件夹可以这样备份。")
    with tempfile.TemporaryDirectory(prefix="xltools-backup-") as scratch:
        copy = Path(scratch) / DATABASE
        dst = sqlite3.connect(str(copy))
        try:
            store._db().backup(dst)
            hashes = [r[0] for r in dst.execute("SELECT sha256 FROM blobs ORDER BY sha256")]
            version = dst.execute("SELECT version FROM schema_version").fetchone()[0]
        finally:
            dst.close()
        manifest = {
            "format": BACKUP_FORMAT,
            "schema_version": version,
            "tool_version": __version__,
            "created": iso(dt.datetime.now(dt.timezone.utc)),
            "blobs": len(hashes),
        }
        with (
            atomic_path(target, force=force) as tmp,
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf,
        ):
            zf.writestr(BACKUP_MANIFEST, _json(manifest))
            zf.write(copy, DATABASE)
            for sha in hashes:
                zf.write(store.blob_path(sha), f"{BLOBS}/{sha}")
    return manifest


def restore(source: str | os.PathLike, folder: str | os.PathLike, *, force: bool = False) -> dict:
    """Put a backup into a data folder. The folder must hold no store, unless `force` (then its
    database is replaced; stop the service first). The backup is checked whole before anything
    is written. Returns the manifest."""
    folder = Path(folder)
    if (folder / DATABASE).exists() and not force:
        raise Refused(
            f"数据文件夹 {folder} 中已有数据，恢复会替换它。请恢复到一个新的文件夹；确需替换时先停止服务。",
            code="restore_exists",
        )
    try:
        zf = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        raise UnusableInput("这不是 xltools 的备份文件。", code="not_backup", path=str(source)) from exc
    with zf, tempfile.TemporaryDirectory(prefix="xltools-restore-") as scratch:
        try:
            manifest = json.loads(zf.read(BACKUP_MANIFEST))
            if manifest.get("format") != BACKUP_FORMAT:
                raise ValueError(manifest.get("format"))
            zf.extract(DATABASE, scratch)
        except (KeyError, ValueError, AttributeError) as exc:
            raise UnusableInput(
                "这不是 xltools 的备份文件（缺少说明或数据库）。", code="not_backup", path=str(source)
            ) from exc
        copy = Path(scratch) / DATABASE
        db = sqlite3.connect(str(copy))
        try:
            ok = db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            hashes = [r[0] for r in db.execute("SELECT sha256 FROM blobs")]
        except sqlite3.DatabaseError as exc:
            raise UnusableInput("备份中的数据库已损坏。", code="damaged", path=str(source)) from exc
        finally:
            db.close()
        if not ok:
            raise UnusableInput("备份中的数据库已损坏（完整性检查未通过）。", code="damaged", path=str(source))
        blobs = {}
        for sha in hashes:
            try:
                data = zf.read(f"{BLOBS}/{sha}")
            except KeyError as exc:
                raise UnusableInput(f"备份缺少文件 {sha}。", code="damaged", path=str(source)) from exc
            if hashlib.sha256(data).hexdigest() != sha:
                raise UnusableInput(f"备份中的文件 {sha} 已损坏（校验值不符）。", code="damaged", path=str(source))
            blobs[sha] = len(data)
        folder.mkdir(parents=True, exist_ok=True)
        for sha in blobs:  # blobs first, the database that names them last
            if write_blob(folder / BLOBS, zf.read(f"{BLOBS}/{sha}")) != sha:
                raise StoreError("恢复时写入的文件与备份不符。")
        _replace_database(copy, folder)
    SQLiteStore(folder).close()  # opens it: migrates a backup of an older version forward
    return manifest


def _replace_database(copy: Path, folder: Path) -> None:
    """The restored database in place: durable first, then renamed over; a stale write-ahead log
    of the old database is removed first (SQLite would otherwise apply it to the new one)."""
    staged = folder / f".{DATABASE}.restore"
    with open(copy, "rb") as src, open(staged, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            (folder / (DATABASE + suffix)).unlink()
    os.replace(staged, folder / DATABASE)


__all__ = ["BACKUP_FORMAT", "EXPORT_FORMAT", "backup", "export_index", "export_round", "import_round", "restore"]
