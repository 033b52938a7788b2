"""The one place that writes files: atomically, never over an input, never over a file without force."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from xltools.errors import OutputError


def write_atomic(
    path: str | os.PathLike, data: bytes, *, force: bool = False, inputs: Iterable[str | os.PathLike] = ()
) -> None:
    """Write `data` to `path` through a temporary file and a rename, so a failed or interrupted
    run leaves whatever was there before."""
    target = check_target(path, force=force, inputs=inputs)
    parent = target.parent if str(target.parent) else Path(".")
    try:  # a short prefix: the temporary name must fit where the target's own long name fits
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:32]}.", suffix=".part", dir=parent)
    except OSError as exc:
        raise OutputError(
            f"无法在 {parent} 中写入文件：{exc.strerror or exc}。请检查写入权限和磁盘空间，或换一个位置。"
        ) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _ordinary_mode())  # mkstemp makes 0600; a report is shared like any saved file
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"无法写入 {target}：{exc.strerror or exc}。请检查磁盘空间和写入权限。") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def check_target(path: str | os.PathLike, *, force: bool = False, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Raise OutputError when `path` may not be written; a long run checks this before it starts."""
    target = Path(path)
    for src in inputs:
        if _same(target, Path(src)):
            raise OutputError(f"输出文件 {target} 就是输入文件。请换一个输出文件名，输入文件不会被改动。")
    if target.is_dir():
        raise OutputError(f"{target} 是一个文件夹。请在 -o 后面写文件名，例如 {target / '年度报告.docx'}。")
    if target.exists() and not force:
        raise OutputError(f"{target} 已存在。如需覆盖，请加 --force；或换一个输出文件名。")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"输出文件夹 {parent} 不存在，请先创建它或换一个位置。")
    return target


def _ordinary_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False
