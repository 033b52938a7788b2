"""Table cells from a PDF page's ruling lines: pdfplumber's "lines" table finder (MIT licence,
pdfplumber/table.py and utils, version 0.11), kept to what the PDF reader uses and with its
quadratic steps indexed, so that a page of a 10,000-cell grid takes seconds, not minutes.

The geometry is pdfplumber's, step for step, with its default settings: edges closer than 3 pt
are snapped to their average and joined when they touch; edges shorter than 3 pt are dropped;
where a vertical and a horizontal edge cross (within 3 pt) is a corner; the smallest rectangle
of corners joined by edges is a cell; cells that share a corner form one table. A cell's text is
pdfplumber's `extract_text` of the characters whose centre lies in it (words split at gaps over
3 pt, lines 3 pt apart). Importing pdfplumber itself would load pdfminer.six (half a second) for
nothing: the characters and lines come from PDFium.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable
from operator import itemgetter

SNAP = 3.0
JOIN = 3.0
MIN_LENGTH = 3.0
MIN_LENGTH_PREFILTER = 1.0
INTERSECTION = 3.0
TEXT_X = 3.0
TEXT_Y = 3.0
_LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}

Bbox = tuple[float, float, float, float]
Point = tuple[float, float]


def _cluster_list(xs: list[float], tolerance: float) -> list[list[float]]:
    xs = sorted(xs)
    if tolerance == 0 or len(xs) < 2:
        return [[x] for x in xs]
    groups, current, last = [], [xs[0]], xs[0]
    for x in xs[1:]:
        if x <= last + tolerance:
            current.append(x)
        else:
            groups.append(current)
            current = [x]
        last = x
    groups.append(current)
    return groups


def cluster_objects(xs: list[dict], key: Callable[[dict], float], tolerance: float) -> list[list[dict]]:
    """Objects grouped by a value within `tolerance` of its neighbour's (chained), in value order."""
    clusters = _cluster_list(list({key(x) for x in xs}), tolerance)
    index = {value: i for i, cluster in enumerate(clusters) for value in cluster}
    tagged = sorted(((x, index[key(x)]) for x in xs), key=itemgetter(1))
    return [[x for x, _ in group] for _, group in itertools.groupby(tagged, key=itemgetter(1))]


# --- edges -----------------------------------------------------------------------------------------


def _move(edge: dict, axis: str, value: float) -> dict:
    if axis == "h":
        return {**edge, "x0": edge["x0"] + value, "x1": edge["x1"] + value}
    return {**edge, "top": edge["top"] + value, "bottom": edge["bottom"] + value, "doctop": edge["doctop"] + value}


def _snap(edges: list[dict], attr: str, axis: str) -> list[dict]:
    out = []
    for cluster in cluster_objects(edges, itemgetter(attr), SNAP):
        avg = sum(e[attr] for e in cluster) / len(cluster)
        out += [_move(e, axis, avg - e[attr]) for e in cluster]
    return out


def _resize(edge: dict, key: str, value: float) -> dict:
    diff = value - edge[key]
    if key == "x1":
        return {**edge, "x1": value, "width": value - edge["x0"]}
    return {**edge, "bottom": value, "height": edge["height"] + diff}


def _join(edges: Iterable[dict], orientation: str) -> list[dict]:
    lo, hi = ("x0", "x1") if orientation == "h" else ("top", "bottom")
    ordered = sorted(edges, key=itemgetter(lo))
    joined = [ordered[0]]
    for e in ordered[1:]:
        last = joined[-1]
        if e[lo] <= last[hi] + JOIN:
            if e[hi] > last[hi]:
                joined[-1] = _resize(last, hi, e[hi])
        else:
            joined.append(e)
    return joined


def _filter(edges: Iterable[dict], orientation: str, min_length: float) -> list[dict]:
    dim = "height" if orientation == "v" else "width"
    return [e for e in edges if e["orientation"] == orientation and e[dim] >= min_length]


def merge_edges(edges: list[dict]) -> list[dict]:
    v = _filter(edges, "v", MIN_LENGTH_PREFILTER)
    h = _filter(edges, "h", MIN_LENGTH_PREFILTER)
    snapped = _snap(v, "x0", "h") + _snap(h, "top", "v")

    def group(e: dict) -> tuple[str, float]:
        return ("h", e["top"]) if e["orientation"] == "h" else ("v", e["x0"])

    merged = list(
        itertools.chain.from_iterable(
            _join(items, k[0]) for k, items in itertools.groupby(sorted(snapped, key=group), key=group)
        )
    )
    return _filter(merged, "v", MIN_LENGTH) + _filter(merged, "h", MIN_LENGTH)


def _bbox(e: dict) -> Bbox:
    return (e["x0"], e["top"], e["x1"], e["bottom"])


def intersections(edges: list[dict]) -> dict[Point, dict[str, set[Bbox]]]:
    """Where vertical and horizontal edges cross, with the edges through each point."""
    out: dict[Point, dict[str, set[Bbox]]] = {}
    hs = sorted((e for e in edges if e["orientation"] == "h"), key=itemgetter("top", "x0"))
    tops = [h["top"] for h in hs]
    for v in sorted((e for e in edges if e["orientation"] == "v"), key=itemgetter("x0", "top")):
        start = bisect.bisect_left(tops, v["top"] - INTERSECTION)
        end = bisect.bisect_right(tops, v["bottom"] + INTERSECTION)
        for h in hs[start:end]:
            if h["x0"] - INTERSECTION <= v["x0"] <= h["x1"] + INTERSECTION:
                vertex = (v["x0"], h["top"])
                at = out.setdefault(vertex, {"v": set(), "h": set()})
                at["v"].add(_bbox(v))
                at["h"].add(_bbox(h))
    return out


def cells(points: dict[Point, dict[str, set[Bbox]]]) -> list[Bbox]:
    """Each corner's smallest cell: the first point below and the first to the right (in
    pdfplumber's order) joined to it by edges, whose fourth corner is joined to both."""

    def connects(p1: Point, p2: Point) -> bool:
        if p1[0] == p2[0] and points[p1]["v"] & points[p2]["v"]:
            return True
        return p1[1] == p2[1] and bool(points[p1]["h"] & points[p2]["h"])

    ordered = sorted(points)
    by_x: dict[float, list[Point]] = {}
    by_y: dict[float, list[Point]] = {}
    for p in ordered:
        by_x.setdefault(p[0], []).append(p)
        by_y.setdefault(p[1], []).append(p)
    out = []
    for pt in ordered:
        column, row = by_x[pt[0]], by_y[pt[1]]
        below = column[column.index(pt) + 1 :]
        right = row[row.index(pt) + 1 :]
        found = None
        for below_pt in below:
            if not connects(pt, below_pt):
                continue
            for right_pt in right:
                if not connects(pt, right_pt):
                    continue
                corner = (right_pt[0], below_pt[1])
                if corner in points and connects(corner, right_pt) and connects(corner, below_pt):
                    found = (pt[0], pt[1], corner[0], corner[1])
                    break
            if found:
                break
        if found:
            out.append(found)
    return out


def tables_of(found: list[Bbox]) -> list[list[Bbox]]:
    """Cells sharing a corner form one table (connected groups), top to bottom; single cells dropped."""
    parent = list(range(len(found)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[Point, int] = {}
    for i, (x0, top, x1, bottom) in enumerate(found):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            if corner in owner:
                a, b = root(owner[corner]), root(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[corner] = i
    groups: dict[int, list[Bbox]] = {}
    for i, cell in enumerate(found):
        groups.setdefault(root(i), []).append(cell)
    ordered = sorted(groups.values(), key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in ordered if len(t) > 1]


class Table:
    """One table: its cells (x0, top, x1, bottom), its box, its rows of cell texts."""

    def __init__(self, cells: list[Bbox]):
        self.cells = cells
        self.bbox = (
            min(c[0] for c in cells),
            min(c[1] for c in cells),
            max(c[2] for c in cells),
            max(c[3] for c in cells),
        )

    def rows(self) -> list[list[Bbox | None]]:
        xs = sorted({c[0] for c in self.cells})
        out = []
        for _, row_cells in itertools.groupby(sorted(self.cells, key=itemgetter(1, 0)), itemgetter(1)):
            at = {c[0]: c for c in row_cells}
            out.append([at.get(x) for x in xs])
        return out

    def extract(self, chars: list[dict]) -> list[list[str | None]]:
        """Each row's cells as text (None where a cell spans from the left or from above)."""
        # Each character's middle once (a character is in a box when its middle is, the box's low
        # edges in, its high edges out), by vertical middle then page order: a row's characters
        # are one slice of it.
        bx0, btop, bx1, bbottom = self.bbox
        inside = []
        for k, c in enumerate(chars):
            v_mid, h_mid = (c["top"] + c["bottom"]) / 2, (c["x0"] + c["x1"]) / 2
            if bx0 <= h_mid < bx1 and btop <= v_mid < bbottom:
                inside.append((v_mid, k, h_mid, c))
        inside.sort(key=itemgetter(0, 1))
        middles = [m for m, _, _, _ in inside]
        out = []
        for row in self.rows():
            present = [c for c in row if c is not None]
            x0, top = min(c[0] for c in present), min(c[1] for c in present)
            x1, bottom = max(c[2] for c in present), max(c[3] for c in present)
            start, end = bisect.bisect_left(middles, top), bisect.bisect_left(middles, bottom)
            row_chars = [
                (v, h, c)
                for v, _, h, c in sorted(inside[start:end], key=itemgetter(1))
                if x0 <= h < x1 and top <= v < bottom
            ]
            texts: list[str | None] = []
            for cell in row:
                if cell is None:
                    texts.append(None)
                    continue
                cx0, ctop, cx1, cbottom = cell
                cell_chars = [c for v, h, c in row_chars if cx0 <= h < cx1 and ctop <= v < cbottom]
                texts.append(extract_text(cell_chars) if cell_chars else "")
            out.append(texts)
        return out


class TooManyCells(Exception):
    """More cells on one page than a report's tables have (the caller refuses the file)."""


def find_tables(edges: list[dict], max_cells: int | None = None) -> list[Table]:
    points = intersections(merge_edges(edges))
    if max_cells is not None and len(points) > 2 * max_cells:
        raise TooManyCells(len(points))
    found = cells(points)
    if max_cells is not None and len(found) > max_cells:
        raise TooManyCells(len(found))
    return [Table(group) for group in tables_of(found)]


# --- text of a cell --------------------------------------------------------------------------------


def _words(chars: list[dict]) -> list[dict]:
    words: list[dict] = []
    for line in cluster_objects(chars, itemgetter("top"), TEXT_Y):
        current: list[dict] = []
        for ch in sorted(line, key=lambda c: (c["x0"], c["x0"])):
            if ch["text"].isspace():
                if current:
                    words.append(_merge(current))
                current = []
            elif current and (
                ch["x0"] < current[-1]["x0"]
                or ch["x0"] > current[-1]["x1"] + TEXT_X
                or abs(ch["top"] - current[-1]["top"]) > TEXT_Y
            ):
                words.append(_merge(current))
                current = [ch]
            else:
                current.append(ch)
        if current:
            words.append(_merge(current))
    return words


def _merge(chars: list[dict]) -> dict:
    return {"text": "".join(_LIGATURES.get(c["text"], c["text"]) for c in chars), "top": min(c["top"] for c in chars)}


def extract_text(chars: list[dict]) -> str:
    """pdfplumber's `extract_text` (not laid out): words joined by a space, lines by a newline."""
    lines = cluster_objects(_words(chars), itemgetter("top"), TEXT_Y)
    return "\n".join(" ".join(w["text"] for w in line) for line in lines)


__all__ = ["Table", "TooManyCells", "find_tables"]
