"""Concurrent uploads: two units at once, and one unit twice at once, from threads of one service
and from two processes on one data folder: every upload recorded, in commit order (ids and times
agree), none lost, the store whole."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from roundkit import OFFICE

from xltools.round.roster import parse_roster_text
from xltools.round.service import RoundService

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "round_child.py"


def stub(data: bytes, filename: str, previous) -> dict:
    return {"path": filename, "ok": True, "agency": filename.split("-")[0], "year": 2024, "findings": []}


def _ordered(svc: RoundService, unit_id: int) -> None:
    ups = svc.store.uploads(unit_id)
    assert [u.id for u in ups] == sorted(u.id for u in ups)
    assert [u.uploaded for u in ups] == sorted(u.uploaded for u in ups), "times out of commit order"


def test_threads_two_units_at_once_and_one_unit_twice_at_once(tmp_path):
    with RoundService.open(str(tmp_path), check=stub) as svc:
        rnd = svc.create_round(2024, OFFICE, parse_roster_text("甲\n乙\n")).round
        a, b = svc.units(rnd.id)
        start = threading.Barrier(6)
        errors = []

        def send(unit, n, tag):
            try:
                start.wait()
                for i in range(n):
                    svc.upload(unit.id, f"{tag}-{i}".encode() * 1000, f"{unit.name}-{tag}-{i}.xlsx")
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=send, args=(u, 15, t)) for u in (a, b) for t in ("x", "y", "z")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        for unit in (a, b):
            names = sorted(up.filename for up in svc.store.uploads(unit.id))
            assert names == sorted(f"{unit.name}-{t}-{i}.xlsx" for t in "xyz" for i in range(15))
            _ordered(svc, unit.id)
            assert svc.unit_state(unit.id).uploads == 45
            # the latest by id is the unit's current report
            assert svc.unit_state(unit.id).last == svc.store.uploads(unit.id)[-1]
        assert svc.store.verify() == []


def test_two_processes_on_one_data_folder(tmp_path):
    with RoundService.open(str(tmp_path)) as svc:
        svc.create_round(2024, OFFICE, parse_roster_text("甲镇人民政府\n乙镇人民政府\n"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [("甲镇人民政府", 1), ("甲镇人民政府", 2), ("乙镇人民政府", 3)]  # one unit from two processes at once
    procs = [
        subprocess.Popen(
            [sys.executable, str(CHILD), str(tmp_path), unit, "12", str(seed)],
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        for unit, seed in runs
    ]
    reported = {}
    for (unit, _), proc in zip(runs, procs, strict=True):
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0
        lines = out.splitlines()[1:]
        assert len(lines) == 12
        reported.setdefault(unit, []).extend(int(line.split()[0]) for line in lines)
    with RoundService.open(str(tmp_path)) as svc:
        rnd = svc.round(2024)
        for unit, ids in reported.items():
            u = svc.unit_named(rnd.id, unit)
            assert sorted(up.id for up in svc.store.uploads(u.id)) == sorted(ids)
            _ordered(svc, u.id)
        assert svc.store.verify() == []
