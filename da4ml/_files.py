"""Atomic file output: a file is either fully written or left as it was (never half-written).

Temporaries are made with the modes a plain ``open``/``mkdir`` would give (0o666 / 0o777 less the umask), not
``tempfile``'s private 0o600 / 0o700: a renamed-into-place file or folder is readable by whoever the umask
lets read it. Their names carry the writing process's id, so a later write can tell a temporary that a
killed process left behind (``stale_temporaries``) from one another process is still writing.
"""

from __future__ import annotations

import glob
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_write", "make_temp_dir", "stale_temporaries", "temp_name"]


def temp_name(target: Path, kind: str = "tmp") -> Path:
    """A fresh sibling name for a temporary of ``target``: ``.NAME.<kind>-<pid>-<random>``."""
    return target.parent / f".{target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def make_temp_dir(target: Path, kind: str = "tmp") -> Path:
    """A new empty sibling folder of ``target`` (mode 0o777 less the umask)."""
    while True:
        path = temp_name(target, kind)
        try:
            path.mkdir(mode=0o777)
            return path
        except FileExistsError:
            continue


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def stale_temporaries(target: Path, kinds: tuple[str, ...] = ("tmp", "old")) -> Iterator[tuple[str, Path]]:
    """``(kind, path)`` of the temporaries of ``target`` left by processes that no longer run."""
    if not target.parent.is_dir():
        return
    for kind in kinds:
        prefix = f".{target.name}.{kind}-"
        for path in sorted(target.parent.glob(f"{glob.escape(prefix)}*")):
            pid, _, rest = path.name[len(prefix) :].partition("-")
            if pid.isdigit() and rest and not _pid_alive(int(pid)) and not path.is_symlink():
                yield kind, path


def atomic_write(path: str | os.PathLike, content: bytes | str) -> Path:
    """Write ``content`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode() if isinstance(content, str) else bytes(content)
    for _, stale in stale_temporaries(path, ("tmp",)):
        if stale.is_file():
            stale.unlink(missing_ok=True)
    while True:
        tmp = temp_name(path)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
        except PermissionError as e:
            raise PermissionError(
                e.errno, f"cannot write {path}: {e.strerror} in {path.parent} (the file is written next to itself)"
            ) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
