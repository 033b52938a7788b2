"""Never a wrong number in silence, counted, not hand-made: every table value of the project's own published
corpus read back exact, unread (named by I2, or the file refused as a whole) or wrong. Wrong must
be 0. By hand, not in CI (the tests prove the same property; this prints the counts):

    python -m benchmarks.published_accuracy            # text and saved web pages
    python -m benchmarks.published_accuracy --pdf      # also printed to PDF by Chromium (slower)

The corpus (all generated from what tests/ ships, deterministically):
- fixtures: the published reports in tests/fixtures/published (.txt, as pdftotext gave them),
  against examples/*.json (the same reports typed in by hand: a truth the importer did not make);
- built: examples/*.json as `build` writes them (txt, html, docx), against the same JSON;
- variants: each base of tests/variants.py (the fixtures, and the fixtures numbered so that no two
  neighbouring values are equal) under each variant real sites make, as text and as a saved page,
  against its base as read (the fixtures' reading is the first line's truth); the lossless ones
  (parts renumbered, titles, split headers, columns reordered ...) print every value, the lossy
  ones (a column, cell, row or header left out, a table of other columns) do not;
- combinations: 400 random combinations (seeded) of 2 to 5 variants, text or page;
- with --pdf: each variant of the two numbered bases printed to A4 by Chromium, and the examples'
  web pages printed the same way.

Exit 1 when any value is wrong.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TABLES = ("proactive", "requests", "appeals")


@dataclass
class Tally:
    files: int = 0
    refused: int = 0
    exact: int = 0
    unread: int = 0
    wrong: int = 0

    def add(self, other: Tally) -> None:
        for name in ("files", "refused", "exact", "unread", "wrong"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def table_paths() -> list[str]:
    from xltools import spec

    return [p for p in spec.FIELDS if p.split(".", 1)[0] in TABLES]


def effective(obj: dict) -> dict[str, Any]:
    """A report's values as the checker sees them (a blank is 0, amounts as decimals)."""
    from xltools.jsonform import source_from_object
    from xltools.rules.checker import normalise

    report, _, _ = normalise(source_from_object(obj, "x"))
    return dict(report.values)


def read(data: bytes, kind: str) -> Any:
    """The imported report, or None when the file is refused (every value then unread, said once)."""
    from xltools.errors import UnusableInput
    from xltools.published import import_bytes

    try:
        return import_bytes(data, kind, f"corpus.{kind}")
    except UnusableInput:
        return None


def count(
    got: Any, truth: Callable[[str], Any], same: Callable[[Any, str], bool], wrong: list[str], where: str
) -> Tally:
    """One file's values against the truth: exact, unread (named), or wrong (any other outcome,
    a value neither read nor named included)."""
    t = Tally(files=1)
    for path in table_paths():
        if truth(path) is _ABSENT:
            continue
        if got is None or (path in got.unread and path not in got.values):
            t.unread += 1
        elif path in got.values and same(got, path):
            t.exact += 1
        else:
            t.wrong += 1
            wrong.append(
                f"{where}: {path} read {got.values.get(path, '(nothing, not named)')!r}, printed {truth(path)!r}"
            )
    t.refused = int(got is None)
    return t


_ABSENT = object()


def against_json(obj: dict) -> tuple[Callable[[str], Any], Callable[[Any, str], bool]]:
    want = effective(obj)

    def same(got: Any, path: str) -> bool:
        return effective(got.to_json()).get(path) == want.get(path)

    return (lambda path: want.get(path, _ABSENT)), same


def against_base(ref: Any) -> tuple[Callable[[str], Any], Callable[[Any, str], bool]]:
    def same(got: Any, path: str) -> bool:
        return bool(got.values[path] == ref.values[path])

    return (lambda path: ref.values.get(path, _ABSENT)), same


def fixtures(wrong: list[str]) -> Tally:
    from tests.variants import BASES

    total = Tally()
    for name, path in BASES.items():
        obj = json.loads((EXAMPLES / f"{name}-2024.json").read_text("utf-8"))
        truth, same = against_json(obj)
        total.add(count(read(path.read_bytes(), "txt"), truth, same, wrong, path.name))
    return total


def built(wrong: list[str]) -> Tally:
    from xltools.api import load_report
    from xltools.render import render

    total = Tally()
    for name in ("huaian", "suoluo"):
        path = EXAMPLES / f"{name}-2024.json"
        obj = json.loads(path.read_text("utf-8"))
        truth, same = against_json(obj)
        report = load_report(path).report
        for fmt in ("txt", "html", "docx"):
            total.add(count(read(render(report, fmt), fmt), truth, same, wrong, f"{name} built as {fmt}"))
    return total


def _variant_files(
    combos: list[tuple[str, ...]], bases: tuple[str, ...]
) -> Iterator[tuple[str, tuple[str, ...], str, bytes]]:
    from tests.variants import as_html, base, variant

    for name in bases:
        for names in combos:
            text = variant(base(name), names)
            yield name, names, "txt", text.encode("utf-8")
            yield name, names, "html", as_html(text).encode("utf-8")


def variants(wrong: list[str], combos: list[tuple[str, ...]]) -> Tally:
    from tests.variants import BASE_NAMES, base

    refs = {name: read(base(name).encode("utf-8"), "txt") for name in BASE_NAMES}
    total = Tally()
    for name, names, kind, data in _variant_files(combos, BASE_NAMES):
        truth, same = against_base(refs[name])
        total.add(count(read(data, kind), truth, same, wrong, f"{name} {'+'.join(names)} ({kind})"))
    return total


def printed(wrong: list[str], lossless: bool) -> Tally:
    """The two numbered bases' variants (lossless: and the examples' pages), printed to PDF by Chromium."""
    from playwright.sync_api import sync_playwright

    from tests.variants import LOSSLESS, VARIANTS, as_html, base, variant
    from xltools.api import load_report
    from xltools.render import render

    pages: dict[str, tuple[bytes, Callable[[str], Any], Callable[[Any, str], bool]]] = {}
    for name in ("huaian", "suoluo") if lossless else ():
        path = EXAMPLES / f"{name}-2024.json"
        truth, same = against_json(json.loads(path.read_text("utf-8")))
        pages[f"{name} built as html"] = (render(load_report(path).report, "html"), truth, same)
    for name in ("huaian-distinct", "suoluo-distinct"):
        truth, same = against_base(read(base(name).encode("utf-8"), "txt"))
        for how in sorted(h for h in VARIANTS if (h in LOSSLESS) == lossless):
            pages[f"{name} {how}"] = (as_html(variant(base(name), (how,))).encode("utf-8"), truth, same)
    total = Tally()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        for i, (where, (html, truth, same)) in enumerate(pages.items()):
            src, pdf = Path(tmp) / f"{i}.html", Path(tmp) / f"{i}.pdf"
            src.write_bytes(html)
            page.goto(src.as_uri())
            page.pdf(path=str(pdf), format="A4")
            total.add(count(read(pdf.read_bytes(), "pdf"), truth, same, wrong, f"{where} (PDF)"))
        browser.close()
    return total


def combinations(n: int, seed: int = 26) -> list[tuple[str, ...]]:
    from tests.variants import VARIANTS

    rng = random.Random(seed)
    names = sorted(VARIANTS)
    return [tuple(rng.sample(names, rng.randint(2, 5))) for _ in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdf", action="store_true", help="also print the variants to PDF with Chromium")
    ap.add_argument("--combinations", type=int, default=400)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.variants import LOSSLESS, VARIANTS

    wrong: list[str] = []
    sets: list[tuple[str, Callable[[], Tally]]] = [
        ("fixtures (txt) vs examples JSON", lambda: fixtures(wrong)),
        ("built txt/html/docx vs JSON", lambda: built(wrong)),
        (f"{len(LOSSLESS)} lossless variants x 4 bases, txt+html", lambda: variants(wrong, [(h,) for h in LOSSLESS])),
        (
            f"{len(VARIANTS) - len(LOSSLESS)} lossy variants x 4 bases, txt+html",
            lambda: variants(wrong, [(h,) for h in sorted(VARIANTS) if h not in LOSSLESS]),
        ),
        (
            f"{args.combinations} combinations x 4 bases, txt+html",
            lambda: variants(wrong, combinations(args.combinations)),
        ),
    ]
    if args.pdf:
        sets.append(("PDF: built pages, lossless variants x 2", lambda: printed(wrong, lossless=True)))
        sets.append(("PDF: lossy variants x 2", lambda: printed(wrong, lossless=False)))
    total = Tally()
    print(f"{'corpus':44} {'files':>6} {'refused':>7} {'values':>8} {'exact':>8} {'unread':>7} {'wrong':>6}")
    for label, run in sets:
        t = run()
        total.add(t)
        values = t.exact + t.unread + t.wrong
        print(f"{label:44} {t.files:6} {t.refused:7} {values:8} {t.exact:8} {t.unread:7} {t.wrong:6}")
    values = total.exact + total.unread + total.wrong
    print(f"{'total':44} {total.files:6} {total.refused:7} {values:8} {total.exact:8} {total.unread:7} {total.wrong:6}")
    for line in wrong[:20]:
        print("WRONG", line)
    sys.exit(1 if total.wrong else 0)


if __name__ == "__main__":
    main()
