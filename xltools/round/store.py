"""Where a round's state lives: a data folder holding an SQLite database and a folder of blobs.

    <data>/store.sqlite3      rounds, units, uploads, reviews, the audit log, sessions (WAL mode)
    <data>/blobs/ab/<sha256>  every uploaded file's original bytes, named by their sha256

Why it is safe to kill at any moment: a blob is written to a temporary file, fsynced, renamed to
its final name and the folder fsynced *before* the transaction that names it commits, so a
committed row always finds its blob whole. A kill between the blob and the commit leaves an
orphan blob that no row names: harmless (content addressed, reused by an identical upload).
SQLite in WAL mode with synchronous=FULL makes each commit durable; busy_timeout makes
concurrent writers (threads or processes) wait for each other instead of failing, and every write
is one `BEGIN IMMEDIATE` transaction, so uploads are recorded in the order they commit.

The schema has a version (`schema_version`) and forward migrations run when a store is opened;
a store written by a newer program is refused rather than guessed at.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from xltools.round.errors import NotFound, StoreError
from xltools.round.model import OFFICE, OPEN, Event, Review, Round, Unit, Upload, iso, parse_iso

DATABASE = "store.sqlite3"
BLOBS = "blobs"
BUSY_TIMEOUT_MS = 30_000

# Forward migrations: MIGRATIONS[i] takes a store from version i to i + 1. Never edit a released
# one; add the next. docs/format.md §10 lists what each version added.
MIGRATIONS: tuple[str, ...] = (
    # 1: rounds, units with hashed link tokens, content-addressed uploads, reviews, the audit log
    """
    CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE rounds(
        id INTEGER PRIMARY KEY,
        year INTEGER NOT NULL UNIQUE,
        office TEXT NOT NULL,
        deadline TEXT,
        state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
        created TEXT NOT NULL,
        source_id INTEGER REFERENCES rounds(id)
    );
    CREATE TABLE blobs(sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64), size INTEGER NOT NULL);
    CREATE TABLE units(
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        folded TEXT NOT NULL,
        level TEXT NOT NULL DEFAULT '',
        parent TEXT NOT NULL DEFAULT '',
        token_hash TEXT UNIQUE,
        carried_sha256 TEXT REFERENCES blobs(sha256),
        carried_name TEXT,
        UNIQUE (round_id, folded)
    );
    CREATE TABLE uploads(
        id INTEGER PRIMARY KEY,
        unit_id INTEGER NOT NULL REFERENCES units(id),
        sha256 TEXT NOT NULL REFERENCES blobs(sha256),
        filename TEXT NOT NULL,
        uploaded TEXT NOT NULL,
        verdict TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        actor TEXT NOT NULL
    );
    CREATE INDEX uploads_by_unit ON uploads(unit_id, id);
    CREATE TABLE reviews(
        id INTEGER PRIMARY KEY,
        upload_id INTEGER NOT NULL REFERENCES uploads(id),
        decision TEXT NOT NULL CHECK (decision IN ('confirm', 'return')),
        comment TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL,
        actor TEXT NOT NULL
    );
    CREATE INDEX reviews_by_upload ON reviews(upload_id, id);
    CREATE TABLE events(
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        round_id INTEGER REFERENCES rounds(id),
        unit_id INTEGER REFERENCES units(id),
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_by_round ON events(round_id, id);
    """,
    # 2: the office's login sessions (hashed tokens with an expiry) and failed-login throttling
    """
    CREATE TABLE sessions(token_hash TEXT PRIMARY KEY, created TEXT NOT NULL, expires TEXT NOT NULL);
    CREATE TABLE throttle(key TEXT PRIMARY KEY, failures INTEGER NOT NULL, until TEXT);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class Store(Protocol):
    """What the round service needs of a store: SQLiteStore is the one there is; another (a
    server database) would implement these. Writes that belong together are one method each, so
    each is one transaction (an upload and its log line; a round and its units)."""

    def close(self) -> None: ...
    # settings
    def setting(self, key: str) -> str | None: ...
    def set_setting(self, key: str, value: str) -> None: ...
    # rounds and units
    def create_round(
        self,
        year: int,
        office: str,
        deadline: dt.date | None,
        units: Sequence[dict],
        at: dt.datetime,
        source_id: int | None = None,
        actor: str = "office",
    ) -> Round: ...
    def rounds(self) -> list[Round]: ...
    def round(self, round_id: int) -> Round: ...
    def set_round_state(self, round_id: int, state: str) -> None: ...
    def set_deadline(self, round_id: int, deadline: dt.date | None) -> None: ...
    def units(self, round_id: int) -> list[Unit]: ...
    def unit(self, unit_id: int) -> Unit: ...
    def add_unit(self, round_id: int, unit: dict) -> Unit: ...
    def unit_by_token_hash(self, token_hash: str) -> tuple[Unit, str] | None: ...
    def set_token_hash(self, unit_id: int, token_hash: str | None) -> None: ...
    def token_hash_of(self, unit_id: int) -> str | None: ...
    # blobs: written before the row that names them
    def put_blob(self, data: bytes) -> str: ...
    def blob(self, sha256: str) -> bytes: ...
    def blob_path(self, sha256: str) -> Path: ...
    # uploads and reviews
    def add_upload(
        self,
        unit_id: int,
        sha256: str,
        size: int,
        filename: str,
        at: dt.datetime | Callable[[], dt.datetime],
        verdict: dict,
        tool_version: str,
        actor: str,
    ) -> Upload: ...
    def uploads(self, unit_id: int) -> list[Upload]: ...
    def upload(self, upload_id: int) -> Upload: ...
    def latest(self, round_id: int) -> dict[int, tuple[Upload, int, Review | None]]: ...
    def add_review(self, upload_id: int, decision: str, comment: str, at: dt.datetime, actor: str) -> Review: ...
    def reviews(self, upload_id: int) -> list[Review]: ...
    def unit_reviews(self, unit_id: int) -> list[Review]: ...
    def insert_archive(self, rnd: dict, units: Sequence[dict], events: Sequence[dict], at: dt.datetime) -> int: ...
    # the audit log
    def log(
        self,
        at: dt.datetime,
        actor: str,
        action: str,
        round_id: int | None = None,
        unit_id: int | None = None,
        **detail: Any,
    ) -> None: ...
    def events(self, round_id: int | None = None) -> list[Event]: ...
    # office sessions and login throttling
    def add_session(self, token_hash: str, created: dt.datetime, expires: dt.datetime) -> None: ...
    def session(self, token_hash: str) -> tuple[str, dt.datetime] | None: ...
    def delete_sessions(self, token_hash: str | None = None) -> None: ...
    def throttle(self, key: str) -> tuple[int, dt.datetime | None]: ...
    def set_throttle(self, key: str, failures: int, until: dt.datetime | None) -> None: ...
    def verify(self) -> list[str]: ...


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = FULL")
    return db


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX); Windows has no directory handles to sync."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SQLiteStore:
    """The store in a data folder. One connection per thread (sqlite3 connections are not shared
    between threads here); every process opens its own. `close()` closes them all."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.path = self.folder / DATABASE
        self.blobs = self.folder / BLOBS
        self._local = threading.local()
        self._all: list[tuple[threading.Thread, sqlite3.Connection]] = []  # each thread's own
        self._lock = threading.Lock()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.blobs / "tmp").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"无法使用数据文件夹 {self.folder}：{exc.strerror or exc}。请换一个可以写入的文件夹。"
            ) from exc
        if self.path.exists() and not self.path.is_file():
            raise StoreError(f"数据文件夹中的 {DATABASE} 不是文件。请换一个数据文件夹。")
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(
                f"数据文件夹 {self.folder} 中的数据库无法打开（{exc}）。如数据已损坏，请从备份恢复。"
            ) from exc
        self._sweep_tmp()

    # --- connections and transactions -------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = _connect(self.path)
            self._local.db = db
            with self._lock:
                # the connections of threads that have ended are closed here: a server's worker
                # threads come and go (idle ones end), and each would otherwise keep its files open
                ended = [(t, c) for t, c in self._all if not t.is_alive()]
                self._all = [(t, c) for t, c in self._all if t.is_alive()]
                self._all.append((threading.current_thread(), db))
            for _, c in ended:
                with contextlib.suppress(sqlite3.Error):
                    c.close()
        return db

    def close(self) -> None:
        with self._lock:
            for _, db in self._all:
                with contextlib.suppress(sqlite3.Error):
                    db.close()
            self._all.clear()
        self._local = threading.local()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE): writers queue, never deadlock."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several queries (WAL readers never wait for the writer)."""
        db = self._db()
        if db.in_transaction:  # nested in a write: already consistent
            yield db
            return
        db.execute("BEGIN")
        try:
            yield db
        finally:
            db.execute("COMMIT")

    def _open(self) -> None:
        db = self._db()
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"数据库无法切换到 WAL 模式（{mode}）。请把数据文件夹放在本机磁盘上。")
        with self.write() as w:
            w.execute("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)")
            row = w.execute("SELECT version FROM schema_version").fetchone()
            version = row[0] if row else 0
            if row is None:
                w.execute("INSERT INTO schema_version(version) VALUES (0)")
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"这个数据文件夹由更新版本的 xltools 写入（数据版本 {version}），本程序只认识到版本 {SCHEMA_VERSION}。"
                    "请升级 xltools 后再打开。"
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _statements(MIGRATIONS[target - 1]):
                    w.execute(statement)
                w.execute("UPDATE schema_version SET version = ?", (target,))

    def schema_version(self) -> int:
        return self._db().execute("SELECT version FROM schema_version").fetchone()[0]

    def _sweep_tmp(self) -> None:
        """Temporary blob files a killed writer left behind (older than an hour: a live writer's
        file is seconds old)."""
        cutoff = time.time() - 3600
        with contextlib.suppress(OSError):
            for f in (self.blobs / "tmp").iterdir():
                with contextlib.suppress(OSError):
                    if f.stat().st_mtime < cutoff:
                        f.unlink()

    # --- blobs --------------------------------------------------------------------------------------

    def blob_path(self, sha256: str) -> Path:
        return blob_path(self.blobs, sha256)

    def put_blob(self, data: bytes) -> str:
        """Write `data` under its sha256 (atomically and durably) and return the hash. Call it
        before the transaction that names the blob; an identical blob is written once."""
        return write_blob(self.blobs, data)

    def blob(self, sha256: str) -> bytes:
        try:
            return self.blob_path(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise StoreError(f"文件 {sha256} 在数据文件夹中不见了。请从备份恢复数据文件夹。") from exc
        except OSError as exc:
            raise StoreError(f"无法读取保存的文件 {sha256}：{exc.strerror or exc}。") from exc

    def blob_hashes(self) -> list[str]:
        """Every blob a row names (the rows' view; files without rows are orphans)."""
        return [r[0] for r in self._db().execute("SELECT sha256 FROM blobs ORDER BY sha256")]

    # --- settings -----------------------------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self.write() as db:
            db.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (key, value))

    # --- rounds and units ---------------------------------------------------------------------------

    def create_round(
        self,
        year: int,
        office: str,
        deadline: dt.date | None,
        units: Sequence[dict],
        at: dt.datetime,
        source_id: int | None = None,
        actor: str = "office",
    ) -> Round:
        """A new open round with its units (dicts: name, folded, level, parent, token_hash,
        carried_sha256, carried_name), logged, in one transaction. NotFound never; a second round
        of the same year is refused by the database (sqlite3.IntegrityError) and by the service."""
        with self.write() as db:
            cur = db.execute(
                "INSERT INTO rounds(year, office, deadline, state, created, source_id) VALUES (?, ?, ?, ?, ?, ?)",
                (year, office, deadline.isoformat() if deadline else None, OPEN, iso(at), source_id),
            )
            round_id = cur.lastrowid or 0
            for i, u in enumerate(units):
                self._insert_unit(db, round_id, i, u)
            self._log(db, at, actor, "round_created", round_id, None, {"year": year, "units": len(units)})
        return self.round(round_id)

    def _insert_unit(self, db: sqlite3.Connection, round_id: int | None, position: int, u: dict) -> int:
        cur = db.execute(
            "INSERT INTO units(round_id, position, name, folded, level, parent, token_hash, carried_sha256, carried_name)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                round_id,
                position,
                u["name"],
                u["folded"],
                u.get("level") or "",
                u.get("parent") or "",
                u.get("token_hash"),
                u.get("carried_sha256"),
                u.get("carried_name"),
            ),
        )
        return cur.lastrowid or 0

    def add_unit(self, round_id: int, unit: dict) -> Unit:
        with self.write() as db:
            pos = db.execute(
                "SELECT COALESCE(MAX(position), -1) + 1 FROM units WHERE round_id = ?", (round_id,)
            ).fetchone()[0]
            unit_id = self._insert_unit(db, round_id, pos, unit)
        return self.unit(unit_id)

    def rounds(self) -> list[Round]:
        return [_round(r) for r in self._db().execute("SELECT * FROM rounds ORDER BY year")]

    def round(self, round_id: int) -> Round:
        row = self._db().execute("SELECT * FROM rounds WHERE id = ?", (round_id,)).fetchone()
        if row is None:
            raise NotFound("没有这一轮收集。")
        return _round(row)

    def set_round_state(self, round_id: int, state: str) -> None:
        with self.write() as db:
            db.execute("UPDATE rounds SET state = ? WHERE id = ?", (state, round_id))

    def set_deadline(self, round_id: int, deadline: dt.date | None) -> None:
        with self.write() as db:
            db.execute(
                "UPDATE rounds SET deadline = ? WHERE id = ?", (deadline.isoformat() if deadline else None, round_id)
            )

    def units(self, round_id: int) -> list[Unit]:
        rows = self._db().execute("SELECT * FROM units WHERE round_id = ? ORDER BY position, id", (round_id,))
        return [_unit(r) for r in rows]

    def unit(self, unit_id: int) -> Unit:
        row = self._db().execute("SELECT * FROM units WHERE id = ?", (unit_id,)).fetchone()
        if row is None:
            raise NotFound("没有这个单位。")
        return _unit(row)

    def unit_by_token_hash(self, token_hash: str) -> tuple[Unit, str] | None:
        """The unit whose link has this hash, with the stored hash (the caller compares the two in
        constant time: the index lookup alone must not be the only check)."""
        row = self._db().execute("SELECT * FROM units WHERE token_hash = ?", (token_hash,)).fetchone()
        return (_unit(row), row["token_hash"]) if row else None

    def set_token_hash(self, unit_id: int, token_hash: str | None) -> None:
        with self.write() as db:
            db.execute("UPDATE units SET token_hash = ? WHERE id = ?", (token_hash, unit_id))

    def token_hash_of(self, unit_id: int) -> str | None:
        """The sha256 of a unit's live link (None: revoked); the link itself is never stored."""
        row = self._db().execute("SELECT token_hash FROM units WHERE id = ?", (unit_id,)).fetchone()
        return row[0] if row else None

    # --- uploads and reviews ------------------------------------------------------------------------

    def add_upload(
        self,
        unit_id: int,
        sha256: str,
        size: int,
        filename: str,
        at: dt.datetime | Callable[[], dt.datetime],
        verdict: dict,
        tool_version: str,
        actor: str,
    ) -> Upload:
        """Record an upload whose blob `put_blob` already wrote, and log it, in one transaction.
        `at` may be a clock: read inside the transaction, so uploads are in time order as they are
        in id (commit) order."""
        with self.write() as db:
            if callable(at):
                at = at()
            db.execute("INSERT OR IGNORE INTO blobs(sha256, size) VALUES (?, ?)", (sha256, size))
            cur = db.execute(
                "INSERT INTO uploads(unit_id, sha256, filename, uploaded, verdict, tool_version, actor)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (unit_id, sha256, filename, iso(at), json.dumps(verdict, ensure_ascii=False), tool_version, actor),
            )
            upload_id = cur.lastrowid
            round_id = db.execute("SELECT round_id FROM units WHERE id = ?", (unit_id,)).fetchone()[0]
            self._log(
                db,
                at,
                actor,
                "upload",
                round_id,
                unit_id,
                {"upload": upload_id, "sha256": sha256, "filename": filename},
            )
        return self.upload(upload_id or 0)

    def add_blob_row(self, db: sqlite3.Connection, sha256: str, size: int) -> None:
        db.execute("INSERT OR IGNORE INTO blobs(sha256, size) VALUES (?, ?)", (sha256, size))

    def uploads(self, unit_id: int) -> list[Upload]:
        rows = self._db().execute(
            "SELECT uploads.*, blobs.size FROM uploads JOIN blobs USING (sha256) WHERE unit_id = ? ORDER BY id",
            (unit_id,),
        )
        return [_upload(r) for r in rows]

    def upload(self, upload_id: int) -> Upload:
        row = (
            self._db()
            .execute("SELECT uploads.*, blobs.size FROM uploads JOIN blobs USING (sha256) WHERE id = ?", (upload_id,))
            .fetchone()
        )
        if row is None:
            raise NotFound("没有这份上传的文件。")
        return _upload(row)

    def latest(self, round_id: int) -> dict[int, tuple[Upload, int, Review | None]]:
        """Per unit of the round that has uploaded: its latest upload, its number of uploads, and
        the latest review of that latest upload (one snapshot)."""
        with self.read() as db:
            rows = db.execute(
                """
                SELECT uploads.*, blobs.size, counts.n FROM uploads
                JOIN blobs USING (sha256)
                JOIN (SELECT unit_id AS u, MAX(uploads.id) AS last, COUNT(*) AS n FROM uploads
                      JOIN units ON units.id = uploads.unit_id WHERE units.round_id = ? GROUP BY unit_id) AS counts
                  ON uploads.id = counts.last
                """,
                (round_id,),
            ).fetchall()
            reviews = db.execute(
                """
                SELECT reviews.* FROM reviews JOIN (
                    SELECT MAX(reviews.id) AS last FROM reviews
                    JOIN uploads ON uploads.id = reviews.upload_id
                    JOIN units ON units.id = uploads.unit_id
                    WHERE units.round_id = ? GROUP BY reviews.upload_id) AS l ON reviews.id = l.last
                """,
                (round_id,),
            ).fetchall()
        by_upload = {r["upload_id"]: _review(r) for r in reviews}
        return {r["unit_id"]: (_upload(r), r["n"], by_upload.get(r["id"])) for r in rows}

    def add_review(self, upload_id: int, decision: str, comment: str, at: dt.datetime, actor: str) -> Review:
        with self.write() as db:
            cur = db.execute(
                "INSERT INTO reviews(upload_id, decision, comment, at, actor) VALUES (?, ?, ?, ?, ?)",
                (upload_id, decision, comment, iso(at), actor),
            )
            row = db.execute(
                "SELECT units.round_id, units.id FROM uploads JOIN units ON units.id = uploads.unit_id WHERE uploads.id = ?",
                (upload_id,),
            ).fetchone()
            self._log(db, at, actor, decision, row[0], row[1], {"upload": upload_id, "comment": comment})
            review_id = cur.lastrowid
        return self.review(review_id or 0)

    def review(self, review_id: int) -> Review:
        row = self._db().execute("SELECT * FROM reviews WHERE id = ?", (review_id,)).fetchone()
        if row is None:
            raise NotFound("没有这条审核记录。")
        return _review(row)

    def reviews(self, upload_id: int) -> list[Review]:
        rows = self._db().execute("SELECT * FROM reviews WHERE upload_id = ? ORDER BY id", (upload_id,))
        return [_review(r) for r in rows]

    def unit_reviews(self, unit_id: int) -> list[Review]:
        rows = self._db().execute(
            "SELECT reviews.* FROM reviews JOIN uploads ON uploads.id = reviews.upload_id WHERE uploads.unit_id = ?"
            " ORDER BY reviews.id",
            (unit_id,),
        )
        return [_review(r) for r in rows]

    # --- the audit log ------------------------------------------------------------------------------

    def log(
        self,
        at: dt.datetime,
        actor: str,
        action: str,
        round_id: int | None = None,
        unit_id: int | None = None,
        **detail: Any,
    ) -> None:
        with self.write() as db:
            self._log(db, at, actor, action, round_id, unit_id, detail)

    @staticmethod
    def _log(db, at, actor, action, round_id, unit_id, detail) -> None:
        db.execute(
            "INSERT INTO events(at, actor, action, round_id, unit_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (iso(at), actor, action, round_id, unit_id, json.dumps(detail, ensure_ascii=False)),
        )

    def events(self, round_id: int | None = None) -> list[Event]:
        if round_id is None:
            rows = self._db().execute("SELECT * FROM events ORDER BY id")
        else:
            rows = self._db().execute("SELECT * FROM events WHERE round_id = ? ORDER BY id", (round_id,))
        return [_event(r) for r in rows]

    # --- office sessions and login throttling ---------------------------------------------------------

    def add_session(self, token_hash: str, created: dt.datetime, expires: dt.datetime) -> None:
        with self.write() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (iso(created),))
            db.execute(
                "INSERT INTO sessions(token_hash, created, expires) VALUES (?, ?, ?)",
                (token_hash, iso(created), iso(expires)),
            )

    def session(self, token_hash: str) -> tuple[str, dt.datetime] | None:
        row = (
            self._db()
            .execute("SELECT token_hash, expires FROM sessions WHERE token_hash = ?", (token_hash,))
            .fetchone()
        )
        return (row[0], parse_iso(row[1])) if row else None

    def delete_sessions(self, token_hash: str | None = None) -> None:
        """End one session, or every session (a new password)."""
        with self.write() as db:
            if token_hash is None:
                db.execute("DELETE FROM sessions")
            else:
                db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    def throttle(self, key: str) -> tuple[int, dt.datetime | None]:
        row = self._db().execute("SELECT failures, until FROM throttle WHERE key = ?", (key,)).fetchone()
        if row is None:
            return 0, None
        return row[0], parse_iso(row[1]) if row[1] else None

    def set_throttle(self, key: str, failures: int, until: dt.datetime | None) -> None:
        with self.write() as db:
            if failures == 0:
                db.execute("DELETE FROM throttle WHERE key = ?", (key,))
            else:
                db.execute(
                    "INSERT OR REPLACE INTO throttle(key, failures, until) VALUES (?, ?, ?)",
                    (key, failures, iso(until) if until else None),
                )

    # --- import of an exported round -------------------------------------------------------------------

    def insert_archive(self, rnd: dict, units: Sequence[dict], events: Sequence[dict], at: dt.datetime) -> int:
        """A round as an export describes it (its blobs already written by `put_blob`), in one
        transaction: the round (closed), its units with their links' hashes (so the links sent out
        open it again; none where the export has none or this store already knows that hash), every
        upload with its reviews, and the log. Ids are new; the log's details keep the exported ids.
        Returns the round's id."""
        with self.write() as db:
            cur = db.execute(
                "INSERT INTO rounds(year, office, deadline, state, created, source_id) VALUES (?, ?, ?, 'closed', ?, NULL)",
                (rnd["year"], rnd["office"], rnd.get("deadline"), rnd["created"]),
            )
            round_id = cur.lastrowid or 0
            unit_ids = {}
            for i, u in enumerate(units):
                carried = u.get("carried") or {}
                if carried:
                    self.add_blob_row(db, carried["sha256"], carried["size"])
                link = u.get("link_sha256")
                if (
                    not (isinstance(link, str) and re.fullmatch(r"[0-9a-f]{64}", link))
                    or db.execute("SELECT 1 FROM units WHERE token_hash = ?", (link,)).fetchone()
                ):
                    link = None
                unit_ids[u["id"]] = self._insert_unit(
                    db,
                    round_id,
                    i,
                    {
                        "name": u["name"],
                        "folded": u["folded"],
                        "level": u.get("level"),
                        "parent": u.get("parent"),
                        "token_hash": link,
                        "carried_sha256": carried.get("sha256"),
                        "carried_name": carried.get("filename"),
                    },
                )
                for up in u["uploads"]:
                    self.add_blob_row(db, up["sha256"], up["size"])
                    c = db.execute(
                        "INSERT INTO uploads(unit_id, sha256, filename, uploaded, verdict, tool_version, actor)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            unit_ids[u["id"]],
                            up["sha256"],
                            up["filename"],
                            up["uploaded"],
                            json.dumps(up["verdict"], ensure_ascii=False),
                            up["tool_version"],
                            up["actor"],
                        ),
                    )
                    for r in up.get("reviews", ()):
                        db.execute(
                            "INSERT INTO reviews(upload_id, decision, comment, at, actor) VALUES (?, ?, ?, ?, ?)",
                            (c.lastrowid, r["decision"], r["comment"], r["at"], r["actor"]),
                        )
            for e in events:
                db.execute(
                    "INSERT INTO events(at, actor, action, round_id, unit_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        e["at"],
                        e["actor"],
                        e["action"],
                        round_id,
                        unit_ids.get(e.get("unit_id")),
                        json.dumps(e.get("detail") or {}, ensure_ascii=False),
                    ),
                )
            self._log(db, at, OFFICE, "round_imported", round_id, None, {"year": rnd["year"]})
        return round_id

    # --- checks -------------------------------------------------------------------------------------

    def verify(self) -> list[str]:
        """Problems found: an integrity-check failure, a row whose blob is missing, a blob whose
        bytes do not match its hash. Empty when the store is whole (orphan blobs are not problems)."""
        problems = [r[0] for r in self._db().execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key: {tuple(r)}" for r in self._db().execute("PRAGMA foreign_key_check")]
        for sha in self.blob_hashes():
            try:
                data = self.blob_path(sha).read_bytes()
            except OSError:
                problems.append(f"missing blob {sha}")
                continue
            if hashlib.sha256(data).hexdigest() != sha:
                problems.append(f"damaged blob {sha}")
        return problems


def blob_path(blobs: Path, sha256: str) -> Path:
    """Where a blob lives; NotFound for anything that is not a sha256 in hex (never a path)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise NotFound("没有这个文件。")
    return blobs / sha256[:2] / sha256


def write_blob(blobs: Path, data: bytes) -> str:
    """`data` under its sha256 in the blob folder: a temporary file, fsynced, renamed to its name,
    the folder fsynced. A blob already there (same size: a renamed file is always whole) is kept."""
    sha = hashlib.sha256(data).hexdigest()
    target = blob_path(blobs, sha)
    with contextlib.suppress(OSError):
        if target.stat().st_size == len(data):
            return sha
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        (blobs / "tmp").mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=blobs / "tmp", prefix=sha[:16], suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(target.parent)
    except OSError as exc:
        raise StoreError(f"无法保存上传的文件：{exc.strerror or exc}。请检查数据文件夹所在磁盘的空间和权限。") from exc
    return sha


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _round(r: sqlite3.Row) -> Round:
    return Round(
        id=r["id"],
        year=r["year"],
        office=r["office"],
        state=r["state"],
        created=parse_iso(r["created"]),
        deadline=dt.date.fromisoformat(r["deadline"]) if r["deadline"] else None,
        source_id=r["source_id"],
    )


def _unit(r: sqlite3.Row) -> Unit:
    return Unit(
        id=r["id"],
        round_id=r["round_id"],
        position=r["position"],
        name=r["name"],
        level=r["level"],
        parent=r["parent"],
        linked=r["token_hash"] is not None,
        carried_sha256=r["carried_sha256"],
        carried_name=r["carried_name"],
    )


def _upload(r: sqlite3.Row) -> Upload:
    return Upload(
        id=r["id"],
        unit_id=r["unit_id"],
        sha256=r["sha256"],
        size=r["size"],
        filename=r["filename"],
        uploaded=parse_iso(r["uploaded"]),
        verdict=json.loads(r["verdict"]),
        tool_version=r["tool_version"],
        actor=r["actor"],
    )


def _review(r: sqlite3.Row) -> Review:
    return Review(
        id=r["id"],
        upload_id=r["upload_id"],
        decision=r["decision"],
        comment=r["comment"],
        at=parse_iso(r["at"]),
        actor=r["actor"],
    )


def _event(r: sqlite3.Row) -> Event:
    return Event(
        id=r["id"],
        at=parse_iso(r["at"]),
        actor=r["actor"],
        action=r["action"],
        round_id=r["round_id"],
        unit_id=r["unit_id"],
        detail=json.loads(r["detail"]),
    )


def _conforms(store: SQLiteStore) -> Store:
    """mypy proves SQLiteStore is a Store (never called)."""
    return store


__all__ = ["BLOBS", "DATABASE", "MIGRATIONS", "SCHEMA_VERSION", "SQLiteStore", "Store", "blob_path", "write_blob"]
