"""Shared makings of the collection-round tests: workbooks of a unit, a clock the test moves."""

from __future__ import annotations

import datetime as dt

from workbooks import VALID_TEXTS, fill

TOWN = VALID_TEXTS["agency.name"]  # 测试市测试区测试镇人民政府
OFFICE = "测试市测试区人民政府"
ROSTER = f"{TOWN}\t乡镇\t{OFFICE}\n测试市测试区教育局\t部门\t{OFFICE}\n测试市测试区财政局\n"


def book(year: int = 2024, name: str = TOWN, **values) -> bytes:
    """A filled workbook of `name` for `year`: error-free, no warnings, unless `values` say otherwise."""
    return fill({**VALID_TEXTS, "agency.name": name, "year": year, **values})


def with_errors(year: int = 2024, name: str = TOWN) -> bytes:
    """A workbook with one hard error (R3.3: outcomes exceed the requests)."""
    return book(year, name, **{"requests.granted.natural": 5})


class Clock:
    """A settable UTC clock for the service (deadlines, sessions, throttling)."""

    def __init__(self, when: dt.datetime | None = None):
        self.when = when or dt.datetime(2025, 1, 10, 2, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        self.when += dt.timedelta(microseconds=1)  # strictly increasing, as a real clock mostly is
        return self.when

    def advance(self, **kw) -> None:
        self.when += dt.timedelta(**kw)
