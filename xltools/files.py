"""The one place that writes files: atomically, never over an input, never over a file unless told.

Every file a command reads is an input (docs/format.md §6) and is never an output, whether or not
overwriting is allowed: the same file by path, by resolved path or by inode (a hard link). A folder
given as an input (a folder of last year's reports, a folder of wording templates) protects every
file in it.

Without `force` a new file is created exclusively: the data goes to a temporary file in the same
folder, which is then linked to the final name; the link fails when the name exists, so of two
processes writing the same new file exactly one succeeds. With `force` the temporary file replaces
the target atomically, and only ever a regular file: never a device, a FIFO, a folder or a link to
one of those.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from xltools.errors import OutputError
from xltools.text import display_path, os_reason

# os.link is refused on file systems without hard links (FAT/exFAT USB sticks, some network shares).
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EXDEV, errno.EMLINK}


def write_atomic(
    path: str | os.PathLike, data: bytes, *, force: bool = False, inputs: Iterable[str | os.PathLike] = ()
) -> None:
    """Write `data` to `path` through a temporary file, so a failed or interrupted run leaves
    whatever was there before; OutputError when the path may not or cannot be written."""
    with atomic_path(path, force=force, inputs=inputs) as tmp:
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise _os_error(exc, f"无法写入 {display_path(Path(path))}", Path(path)) from exc


@contextlib.contextmanager
def atomic_path(
    path: str | os.PathLike, *, force: bool = False, inputs: Iterable[str | os.PathLike] = ()
) -> Iterator[str]:
    """A temporary file beside `path` for the caller to write (by name); when the block ends
    normally it becomes `path`, exclusively (or, with `force`, replacing a regular file), and on
    any failure or interruption it is removed. A writer that streams (the batch summary) and one
    that has its bytes at hand (`write_atomic`) publish the same way."""
    target = check_target(path, force=force, inputs=inputs)
    parent = target.parent if str(target.parent) else Path(".")
    shown = display_path(target)
    try:  # a short prefix: the temporary name must fit where the target's own long name fits
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:32]}.", suffix=".part", dir=parent)
        os.close(fd)
    except OSError as exc:
        raise _os_error(exc, f"无法在 {display_path(parent)} 中写入文件", target) from exc
    try:
        yield tmp
        try:
            with open(tmp, "rb+") as fh:  # on disk before it carries the final name
                os.fsync(fh.fileno())
            os.chmod(tmp, _ordinary_mode())  # mkstemp makes 0600; a report is shared like any saved file
            if force:
                _refuse_special(target)
                os.replace(tmp, target)
            else:
                _create_exclusive(tmp, target)
        except OSError as exc:
            raise _os_error(exc, f"无法写入 {shown}", target) from exc
    finally:
        with contextlib.suppress(OSError):
            if os.path.lexists(tmp):
                os.unlink(tmp)


def _create_exclusive(tmp: str, target: Path) -> None:
    """Give the written temporary file its final name, failing when the name exists."""
    try:
        os.link(tmp, target)
        return
    except FileExistsError:
        raise _exists(target) from None
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
    try:  # no hard links here: claim the name exclusively, then move the data over the claim
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise _exists(target) from None
    try:
        os.replace(tmp, target)
    except OSError:
        os.unlink(target)
        raise


def check_target(
    path: str | os.PathLike, *, force: bool = False, inputs: Iterable[str | os.PathLike] = (), probe: bool = False
) -> Path:
    """Raise OutputError when `path` may not be written; a long run checks this before it starts.

    `probe`: also create and remove a temporary file beside the target, so a folder that cannot be
    written (no permission, read-only, a name too long) is found before the run, not after it."""
    target = Path(path)
    shown = display_path(target)
    if _is_input(target, [Path(p) for p in inputs if p]):
        raise OutputError(f"输出文件 {shown} 就是输入文件。请换一个输出文件名，输入文件不会被改动。", code="is_input")
    if target.is_dir():
        raise OutputError(
            f"{shown} 是一个文件夹。输出要写文件名，例如 {display_path(target / '年度报告.docx')}。",
            code="output_is_dir",
        )
    if os.path.lexists(target) and not force:
        raise _exists(target)
    if force:
        _refuse_special(target)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"输出文件夹 {display_path(parent)} 不存在，请先创建它或换一个位置。", code="no_folder")
    if probe:
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:32]}.", suffix=".part", dir=parent)
            os.close(fd)
            os.unlink(tmp)
            if len(os.fsencode(target.name)) > os.pathconf(parent, "PC_NAME_MAX"):
                raise OSError(errno.ENAMETOOLONG, "name too long")
        except OSError as exc:
            raise _os_error(exc, f"无法写入 {shown}", target) from exc
    return target


def _exists(target: Path) -> OutputError:
    err = OutputError(f"{display_path(target)} 已存在，没有覆盖。请换一个输出文件名。", code="exists")
    err.target = display_path(target)
    return err


def _refuse_special(target: Path) -> None:
    """Only a regular file (or a link to one) is ever replaced."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        if os.path.islink(target):  # a dangling link: replacing it would write somewhere unexpected
            raise OutputError(
                f"{display_path(target)} 是一个指向不存在位置的链接，不能覆盖。请换一个输出文件名。", code="special"
            ) from None
        return
    except OSError:
        return  # the write itself will say what is wrong
    if not stat.S_ISREG(st.st_mode):
        what = "文件夹" if stat.S_ISDIR(st.st_mode) else "设备或管道等特殊文件"
        raise OutputError(
            f"{display_path(target)} 是{what}，不是普通文件，不能覆盖。请换一个输出文件名。", code="special"
        )


def _is_input(target: Path, inputs: list[Path]) -> bool:
    """The target is one of the inputs, or a file inside an input folder: by path, resolved path
    or inode."""
    try:
        here = target.resolve()
    except (OSError, RuntimeError):
        here = target.absolute()
    try:
        st = os.stat(target)
        ident = (st.st_dev, st.st_ino)
    except OSError:
        ident = None
    for src in inputs:
        try:
            there = src.resolve()
        except (OSError, RuntimeError):
            there = src.absolute()
        if target == src or here == there:
            return True
        if src.is_dir():
            if ident is not None and (there in here.parents or ident in _inodes_under(src)):
                return True
        elif ident is not None:
            try:
                sst = os.stat(src)
            except OSError:
                continue
            if (sst.st_dev, sst.st_ino) == ident:
                return True
    return False


def _inodes_under(folder: Path) -> set[tuple[int, int]]:
    found = set()
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            try:
                st = os.stat(os.path.join(dirpath, name))
            except OSError:
                continue
            found.add((st.st_dev, st.st_ino))
    return found


def _os_error(exc: OSError, what: str, target: Path) -> OutputError:
    """An operating-system failure while writing, said in Chinese."""
    return OutputError(f"{what}：{os_reason(exc)}", code="os")


def _ordinary_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask
