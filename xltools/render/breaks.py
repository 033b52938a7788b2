"""Where a table's row label may break, for every renderer (Word, html): kinsoku, the enumerators
that head a label (（三）, 1., 三、) and the orphan rule (no single character on a label's last line)."""

from __future__ import annotations

import re

# Kinsoku (GB/T 15834, and what Word and LibreOffice do for zh-CN): these never start a line...
NO_START = frozenset("，。、；：？！）》〉」』】〕”’％…—·,.;:!?)]}%")
# ... and these never end one.
NO_END = frozenset("（《〈「『【〔“‘([{")
# The enumerator Word's layout breaks after (（三）/不予公开, never （三）不/予公开).
ENUMERATOR = re.compile(r"（[一二三四五六七八九十]+）")
# Every enumerator that heads a label: （三）, 1., 三、.
LEADER = re.compile(r"（[一二三四五六七八九十]+）|\d+\.|[一二三四五六七八九十]+、")
SHORT = 4  # characters: a label's words this short (不予公开, 重复申请) are never broken


def orphan(lines: tuple[str, ...]) -> bool:
    """A wrapped text whose last line holds a single character (…禁止公/开)."""
    return len(lines) > 1 and len([ch for ch in lines[-1] if ch not in NO_START and not ch.isspace()]) <= 1


def _counted(text: str) -> int:
    return sum(ch not in NO_START and ch not in NO_END and ch not in "“”‘’" and not ch.isspace() for ch in text)


def label_pieces(text: str) -> tuple[str, str, str, str]:
    """A label as (leader, head, middle, tail), the pieces a renderer keeps unbroken: a line may end
    right after the leader when its words are short (（三）/不予公开), else the leader stays with
    the first two characters (1.属于/国家秘密); the head and the tail hold two characters each, so
    no line, and never the last, holds a single one (…禁止/公开). Empty pieces where there are none."""
    m = LEADER.match(text)
    leader = m.group() if m and m.end() < len(text) else ""
    body = text[len(leader) :]
    if _counted(body) <= SHORT:
        return leader, body, "", ""
    head = 0
    while _counted(body[:head]) < 2 or (head < len(body) and body[head] in NO_START):
        head += 1
    tail = len(body)
    while _counted(body[tail:]) < 2 or (tail > head and body[tail - 1] in NO_END):
        tail -= 1
    if tail <= head:
        return leader, body, "", ""
    return "", leader + body[:head], body[head:tail], body[tail:]
