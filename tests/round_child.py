"""A child process for the round's crash and concurrency tests: uploads into a data folder in a
loop until killed (or `count` times), printing each committed upload's id and sha256.

    python tests/round_child.py DATA UNIT_NAME COUNT SEED

The check is a stub (the store is under test, not the rules): each upload is random bytes of
1 KB to 1 MB, so a kill often lands while a blob is being written."""

from __future__ import annotations

import random
import sys

from xltools.round.service import RoundService


def stub_check(data: bytes, filename: str, previous) -> dict:
    return {"path": filename, "ok": True, "agency": UNIT, "year": 2024, "findings": []}


UNIT = ""


def main() -> None:
    global UNIT
    data, UNIT, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    with RoundService.open(data, check=stub_check) as svc:
        rnd = svc.round(2024)
        unit = svc.unit_named(rnd.id, UNIT)
        print("ready", flush=True)
        i = 0
        while count <= 0 or i < count:
            body = rng.randbytes(rng.randint(1024, 1 << 20))
            up = svc.upload(unit.id, body, f"{i}.xlsx")
            print(up.id, up.sha256, flush=True)
            i += 1


if __name__ == "__main__":
    main()
