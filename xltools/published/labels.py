"""Matching printed labels to the spec's labels: printed reports differ in width of punctuation,
stray spaces and line breaks, numbering style (1. / 1、 / （1）) and the odd misprint."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "‘": "'", "’": "'"})
_NUMBERING = re.compile(r"^(?:\([一二三四五六七八九十\d]{1,3}\)|[一二三四五六七八九十\d]{1,3}[.、,])")
FUZZY_MIN = 0.8  # "其他法律行政止公开" against "其他法律行政法规禁止公开" scores 0.86


@lru_cache(maxsize=4096)
def norm(text: str) -> str:
    """Width, quotes and white space folded away: what two printings of one label share."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    text = re.sub(r"\s+", "", text)
    return re.sub(r"^(\d{1,2})[、.]", r"\1.", text)


@lru_cache(maxsize=4096)
def bare(text: str) -> str:
    """A label without its numbering: "（三）不予公开" -> "不予公开", "1、属于国家秘密" -> "属于国家秘密"."""
    return _NUMBERING.sub("", norm(text))


@dataclass(frozen=True)
class Match:
    key: str
    exact: bool
    score: float = 1.0


def match_label(text: str, labels: dict[str, str], *, fuzzy: bool = True) -> Match | None:
    """The key whose label `text` prints: exact after folding, else without numbering, else a
    unique close match (a misprint, reported by the caller)."""
    n, b = norm(text), bare(text)
    if not n:
        return None
    for key, label in labels.items():
        if norm(label) == n:
            return Match(key, True)
    hits = [key for key, label in labels.items() if bare(label) == b and b]
    if len(hits) == 1:
        return Match(hits[0], True)
    if not fuzzy or len(b) < 4:
        return None
    scored = sorted(
        ((SequenceMatcher(None, b, bare(label)).ratio(), key) for key, label in labels.items()), reverse=True
    )
    best, key = scored[0]
    runner = scored[1][0] if len(scored) > 1 else 0.0
    if best >= FUZZY_MIN and best - runner >= 0.1:
        return Match(key, False, best)
    return None


def find_labels(text: str, labels: dict[str, str]) -> list[str]:
    """Every key whose label occurs in `text`, in reading order; longer labels win over the
    shorter ones they contain ("法人或其他组织" is not "其他")."""
    n = norm(text)
    spans: list[tuple[int, str]] = []
    taken = [False] * len(n)
    for key, label in sorted(labels.items(), key=lambda kv: -len(norm(kv[1]))):
        needle = norm(label)
        start = 0
        while needle and (pos := n.find(needle, start)) >= 0:
            if not any(taken[pos : pos + len(needle)]):
                spans.append((pos, key))
                for i in range(pos, pos + len(needle)):
                    taken[i] = True
            start = pos + 1
    return [key for _, key in sorted(spans)]


_NUMBER = re.compile(r"[+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[+]?\d+(?:\.\d+)?")


def number(text: str, *, units: tuple[str, ...] = ("件", "个", "条", "项")) -> str | None:
    """A printed number as its plain digits ("3,119" -> "3119", "１２" -> "12"), or None."""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).replace("，", ",")
    for unit in units:
        if t.endswith(unit) and len(t) > len(unit):
            t = t[: -len(unit)]
            break
    if _NUMBER.fullmatch(t):
        return t.lstrip("+").replace(",", "")
    return None
