"""Text hygiene: what every reader (workbook, JSON, published report, web page) does to text it takes
in, and how file names and system errors are shown to a user.

`clean` removes every invisible and format character (Unicode categories Cf and Cc except newline
and tab, variation selectors, the Hangul fillers U+3164 U+115F U+1160 U+FFA0, U+034F) and every
character that is not text at all (lone surrogates, non-characters such as U+FFFE), and says
exactly what it removed. It only cleans: whether the cleaned text counts as empty is the caller's
decision. This module imports nothing from xltools, so anything may use it.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

# Named so a clerk can find them; the others are named by their group.
NAMES = {
    "\u00ad": "软连字符",
    "\u034f": "组合字形连接符",
    "\u061c": "阿拉伯文字母标记",
    "\u115f": "韩文填充符",
    "\u1160": "韩文填充符",
    "\u180e": "蒙古文元音分隔符",
    "\u200b": "零宽空格",
    "\u200c": "零宽不连字",
    "\u200d": "零宽连字",
    "\u200e": "从左到右标记",
    "\u200f": "从右到左标记",
    "\u2060": "字连接符",
    "\u2061": "不可见函数符",
    "\u2062": "不可见乘号",
    "\u2063": "不可见分隔符",
    "\u2064": "不可见加号",
    "\u3164": "韩文填充符",
    "\ufeff": "零宽不换行空格（BOM）",
    "\uffa0": "半角韩文填充符",
}
FILLERS = "\u3164\u115f\u1160\uffa0\u034f"
# Variation selectors: U+FE00..FE0F, Mongolian U+180B..180D and U+180F, U+E0100..E01EF (in the plane-14 range).
_VARIATION = "\ufe00-\ufe0f\u180b-\u180d\u180f"
# Format characters outside the BMP, and plane 14 (tags, variation selectors supplement) as a whole.
_ASTRAL_FORMAT = (
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_NONCHAR = "\ufdd0-\ufdef" + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
_NEWLINES = re.compile("\r\n|[\r\u2028\u2029\x85]")


@functools.cache
def _pattern() -> re.Pattern:
    """Every character `clean` removes (built on first use: start-up stays fast)."""
    bmp = "".join(
        chr(o)
        for o in range(0x10000)
        if unicodedata.category(chr(o)) in ("Cc", "Cf") and chr(o) not in "\n\t" and not 0xD800 <= o <= 0xDFFF
    )
    return re.compile(f"[{re.escape(bmp)}{_VARIATION}{FILLERS}{_ASTRAL_FORMAT}{_NONCHAR}\ud800-\udfff]")


@dataclass(frozen=True)
class Cleaned:
    """Text after `clean`, and each removed character with how often it occurred (first seen first)."""

    text: str
    removed: tuple[tuple[str, int], ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.removed)

    def note(self) -> str | None:
        """What was done, in Chinese, or None when nothing was removed."""
        return describe(self.removed)


def clean(text: str) -> Cleaned:
    """Remove invisible, format and invalid characters; line breaks become a plain newline."""
    text = _NEWLINES.sub("\n", text)
    found = _pattern().findall(text)
    if not found:
        return Cleaned(text)
    counts: dict[str, int] = {}
    for ch in found:
        counts[ch] = counts.get(ch, 0) + 1
    return Cleaned(_pattern().sub("", text), tuple(counts.items()))


def clean_text(text: str) -> str:
    return clean(text).text


def code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def char_name(ch: str) -> str:
    """A Chinese description of one removed character."""
    o = ord(ch)
    if ch in NAMES:
        return NAMES[ch]
    if 0xD800 <= o <= 0xDFFF:
        return "孤立的代理码位"
    if 0xFDD0 <= o <= 0xFDEF or o & 0xFFFE == 0xFFFE:
        return "非字符"
    if 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF or 0x180B <= o <= 0x180F:
        return "变体选择符"
    if 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069:
        return "文字方向控制符"
    if 0xE0000 <= o <= 0xE007F:
        return "标签字符"
    if unicodedata.category(ch) == "Cc":
        return "控制字符"
    return "不可见格式字符"


def invalid(ch: str) -> bool:
    """Not text at all: a lone surrogate or a non-character (a damaged or wrongly converted file)."""
    o = ord(ch)
    return 0xD800 <= o <= 0xDFFF or 0xFDD0 <= o <= 0xFDEF or o & 0xFFFE == 0xFFFE


def describe(removed: tuple[tuple[str, int], ...]) -> str | None:
    if not removed:
        return None
    listed = "、".join(f"{code_point(ch)}（{char_name(ch)}）" + (f" {n} 个" if n > 1 else "") for ch, n in removed[:8])
    if len(removed) > 8:
        listed += f" 等 {len(removed)} 种"
    total = sum(n for _, n in removed)
    if any(invalid(ch) for ch, _ in removed):
        return (
            f"含有 {total} 个无效或不可见的字符，已删除：{listed}。"
            "无效字符通常来自损坏的文件或错误的转换，请核对这段文字是否完整。"
        )
    return f"含有 {total} 个不可见的字符，已删除：{listed}。请检查文字是否从别处粘贴带入了格式符号。"


# --- file names and system errors -----------------------------------------------------------------


def display_path(path: str | os.PathLike | bytes) -> str:
    """A file name as a person can read it and any output can carry it: bytes that are not valid
    UTF-8 (a name from a Windows zip unpacked on Linux) are shown escaped, as \\xb1\\xa8."""
    text = path if isinstance(path, bytes) else os.fspath(path)
    if isinstance(text, bytes):
        return text.decode("utf-8", "backslashreplace")
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def displayable(obj):
    """`obj` (JSON-like: dicts, lists, strings) with every string passed through `display_path`,
    so a name that is not UTF-8 anywhere in it cannot break the JSON that carries it."""
    if isinstance(obj, str):
        return display_path(obj)
    if isinstance(obj, dict):
        return {displayable(k): displayable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [displayable(v) for v in obj]
    return obj


_REASONS = {
    errno.ENOSPC: "磁盘空间不足。请清理磁盘空间，或换一个位置",
    errno.EDQUOT: "超出了磁盘配额。请清理空间，或换一个位置",
    errno.EROFS: "该位置是只读的（只读文件系统，例如光盘或写保护的U盘）。请换一个可以写入的位置",
    errno.EACCES: "没有权限。请检查文件和文件夹的写入权限，或换一个位置",
    errno.EPERM: "操作不被允许。请检查权限，或换一个位置",
    errno.ENAMETOOLONG: "文件名太长。请换一个短一些的文件名或文件夹",
    errno.ENOENT: "文件或文件夹不存在。请检查路径",
    errno.ENOTDIR: "路径中有一部分不是文件夹。请检查路径",
    errno.EISDIR: "这是一个文件夹。请给出文件名",
    errno.EIO: "读写设备出错。请检查磁盘或U盘是否正常",
    errno.EPIPE: "输出已被关闭",
    errno.EBADF: "输出已被关闭",
    errno.ELOOP: "链接层数过多（链接可能指向自己）。请检查路径",
    errno.EMFILE: "打开的文件太多。请稍后再试",
    errno.ENFILE: "打开的文件太多。请稍后再试",
    errno.EBUSY: "文件正被其他程序占用。请关闭它后再试",
    errno.ETXTBSY: "文件正被其他程序占用。请关闭它后再试",
    errno.EFBIG: "文件太大",
    errno.EEXIST: "已经存在同名的文件",
    errno.EXDEV: "不能跨磁盘移动文件。请换一个位置",
}


def os_reason(exc: OSError) -> str:
    """Why the operating system refused, in Chinese, ending with what to do (no final period)."""
    reason = _REASONS.get(exc.errno or 0)
    if reason is None:
        reason = f"系统错误（错误号 {exc.errno}）。请检查磁盘和权限，或换一个位置" if exc.errno else "系统错误"
    return reason + "。"


# --- numbers and names, as every layer shows and compares them ------------------------------------


def format_number(value) -> str:
    """A number as printed and as a spreadsheet's & shows it: 0, 3119, 96171.6 (no trailing zeros,
    no exponent); None is blank. An absurd Decimal (1E+99999999) stays short instead of 100 MB of zeros."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        if value == 0:
            return "0"
        if abs(value.adjusted()) > 20:
            return f"{value:.3E}"
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    return str(value)


def fold(text) -> str:
    """Text as compared loosely (names of agencies and units, labels, options): cleaned (no invisible
    characters), full-width forms folded (NFKC) and all whitespace removed, so “淮安市 人民政府” and
    “淮安市人民政府” are the same name."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", clean_text(str(text or ""))))


def size_text(n: int) -> str:
    """A file size as a clerk reads it: "37 MB", "2.5 MB", "300 KB" (MB = 1024 × 1024 bytes,
    as Windows Explorer counts)."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, -(-n // 1024))} KB"


def wide(ch: str) -> bool:
    """Whether a Chinese font or a terminal in a Chinese locale draws `ch` an em wide: the wide and
    full-width characters, and the ambiguous ones (“ ” ‘ ’ … — · ①) that Chinese fonts draw wide.
    The reports we write are measured with it (columns, cells, lines)."""
    return unicodedata.east_asian_width(ch) in ("W", "F", "A")


# --- half-width punctuation in Chinese text (rule C7) ---------------------------------------------

FULL_PUNCTUATION = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’《》]")


def _chinese(ch: str) -> bool:
    return bool(ch) and bool(_CJK.match(ch))


def half_punctuation(text: str) -> list[int]:
    """Where Chinese text has a half-width , ; : ? ! ( or ) (beside a Chinese character on either
    side; a bracket also when its partner is): "2024 年,索罗乡". Numbers (1,234), times (9:30),
    web addresses and English text keep theirs."""
    at: list[int] = []
    opened: list[tuple[int, bool]] = []  # open brackets: position, and whether it is Chinese
    for i, ch in enumerate(text):
        if ch not in FULL_PUNCTUATION:
            continue
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if before == " " and i > 1:  # "年 ,", a space typed before the mark
            before = text[i - 2]
        near = _chinese(before) or _chinese(after)
        if ch == "(":
            opened.append((i, near))
            if near:
                at.append(i)
        elif ch == ")":
            partner = opened.pop() if opened else None
            if near or (partner is not None and partner[1]):
                at.append(i)
                if partner is not None and not partner[1]:
                    at.append(partner[0])
        elif near and not (ch in ",:" and before.isdigit() and after.isdigit()):
            at.append(i)
    return sorted(at)


def full_punctuation(text: str) -> str:
    """The text with the half-width marks `half_punctuation` finds made full-width (，；：？！（）),
    and a space typed before or after one of them dropped."""
    at = set(half_punctuation(text))
    out: list[str] = []
    for i, ch in enumerate(text):
        if i in at:
            while out and out[-1] == " ":
                out.pop()
            out.append(FULL_PUNCTUATION[ch])
        elif ch == " " and (i - 1 in at or i + 1 in at):
            continue
        else:
            out.append(ch)
    return "".join(out)
