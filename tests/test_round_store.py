"""The round's store: schema version and forward migrations, WAL and foreign keys, atomic
content-addressed blobs, and the integrity check that the crash tests rely on."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3

import pytest

from xltools.round.errors import StoreError
from xltools.round.store import DATABASE, MIGRATIONS, SCHEMA_VERSION, SQLiteStore

NOW = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def _unit(name: str) -> dict:
    return {"name": name, "folded": name, "token_hash": hashlib.sha256(name.encode()).hexdigest()}


def test_a_new_store_is_at_the_current_version_in_wal_mode_with_foreign_keys(tmp_path):
    with SQLiteStore(tmp_path / "data") as store:
        assert store.schema_version() == SCHEMA_VERSION
        db = store._db()
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert (tmp_path / "data" / DATABASE).is_file()


def test_foreign_keys_refuse_an_upload_of_no_unit_and_a_blob_no_row_names(tmp_path):
    with SQLiteStore(tmp_path) as store:
        sha = store.put_blob(b"abc")
        with pytest.raises(sqlite3.IntegrityError):
            store.add_upload(999, sha, 3, "a.xlsx", NOW, {}, "0", "unit")
        rnd = store.create_round(2024, "某区政府", None, [_unit("甲")], NOW)
        (unit,) = store.units(rnd.id)
        with pytest.raises(sqlite3.IntegrityError), store.write() as db:
            db.execute(
                "INSERT INTO uploads(unit_id, sha256, filename, uploaded, verdict, tool_version, actor)"
                " VALUES (?, ?, 'a', 'x', '{}', '0', 'unit')",
                (unit.id, "0" * 64),
            )


def test_an_older_store_is_migrated_forward_and_keeps_its_data(tmp_path):
    # a store as version 1 wrote it: no sessions, no throttle
    db = sqlite3.connect(tmp_path / DATABASE, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE schema_version(version INTEGER NOT NULL)")
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO schema_version VALUES (1)")
    db.execute(
        "INSERT INTO rounds(year, office, deadline, state, created) VALUES (2024, '某区政府', NULL, 'open', ?)",
        ("2025-01-01T00:00:00.000000Z",),
    )
    db.close()
    with SQLiteStore(tmp_path) as store:
        assert store.schema_version() == SCHEMA_VERSION == 2
        assert [r.office for r in store.rounds()] == ["某区政府"]
        store.add_session("h" * 64, NOW, NOW + dt.timedelta(hours=1))  # version 2's table
        assert store.session("h" * 64) is not None
    with SQLiteStore(tmp_path) as store:  # opening again migrates nothing and loses nothing
        assert store.schema_version() == SCHEMA_VERSION
        assert store.session("h" * 64) is not None


def test_a_store_from_a_newer_program_is_refused_in_chinese(tmp_path):
    SQLiteStore(tmp_path).close()
    db = sqlite3.connect(tmp_path / DATABASE)
    db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="更新版本"):
        SQLiteStore(tmp_path)


def test_a_file_that_is_not_a_database_is_refused_in_chinese(tmp_path):
    (tmp_path / DATABASE).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="无法打开"):
        SQLiteStore(tmp_path)


def test_blobs_are_content_addressed_written_once_and_checked(tmp_path):
    with SQLiteStore(tmp_path) as store:
        data = "报告".encode() * 1000
        sha = store.put_blob(data)
        assert sha == hashlib.sha256(data).hexdigest()
        path = store.blob_path(sha)
        assert path == tmp_path / "blobs" / sha[:2] / sha
        assert store.put_blob(data) == sha
        assert store.blob(sha) == data
        assert list((tmp_path / "blobs" / "tmp").iterdir()) == []  # no temporary file left
        rnd = store.create_round(2024, "某区政府", None, [_unit("甲")], NOW)
        (unit,) = store.units(rnd.id)
        store.add_upload(unit.id, sha, len(data), "a.xlsx", NOW, {}, "0", "unit")
        assert store.verify() == []
        path.write_bytes(b"tampered")
        assert store.verify() == [f"damaged blob {sha}"]
        path.unlink()
        assert store.verify() == [f"missing blob {sha}"]


def test_an_orphan_blob_is_not_a_problem(tmp_path):
    with SQLiteStore(tmp_path) as store:
        store.put_blob(b"written, but the upload was killed before its row committed")
        assert store.verify() == []


def test_a_blob_path_is_never_made_from_anything_but_a_hash(tmp_path):
    from xltools.round.errors import NotFound

    with SQLiteStore(tmp_path) as store:
        for bad in ("../../etc/passwd", "A" * 64, "0" * 63):
            with pytest.raises(NotFound):
                store.blob_path(bad)


def test_one_round_per_year(tmp_path):
    with SQLiteStore(tmp_path) as store:
        store.create_round(2024, "某区政府", None, [_unit("甲")], NOW)
        with pytest.raises(sqlite3.IntegrityError):
            store.create_round(2024, "某区政府", None, [_unit("乙")], NOW)
        assert len(store.rounds()) == 1


def test_the_connections_of_ended_threads_are_closed(tmp_path):
    """A server's worker threads come and go (idle ones end); each opened its own connection.
    Those of ended threads are closed when the next one opens, so open files do not pile up."""
    import os
    import threading

    store = SQLiteStore(tmp_path / "data")
    store.rounds()
    opened: list[sqlite3.Connection] = []

    def one() -> None:
        store.rounds()
        opened.append(store._db())

    def fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    for i in range(60):
        t = threading.Thread(target=one)
        t.start()
        t.join()
        if i == 9:
            after_ten = fds()
    assert fds() <= after_ten  # fifty more threads, no more open files
    with pytest.raises(sqlite3.ProgrammingError):
        opened[0].execute("SELECT 1")  # the first thread's, closed
    store.close()
