"""Atomic file output: a file is either fully written or left as it was (never half-written)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def atomic_write(path: str | os.PathLike, content: bytes | str) -> Path:
    """Write ``content`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode() if isinstance(content, str) else bytes(content)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def replace_dir(target: str | os.PathLike, files: dict[str, bytes], marker: str, fill=None) -> Path:
    """Write ``files`` ({relative path: content}) as the directory ``target``, atomically: they go to a sibling
    temporary directory (``fill(tmp)`` may add more), which then replaces ``target``. An existing ``target``
    is replaced only when it is empty or holds ``marker`` (a file only a previous write leaves there)."""
    target = Path(target).resolve()
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        if not target.is_dir():
            raise FileExistsError(f"{target} exists and is not a directory; choose another path")
        if any(target.iterdir()) and not (target / marker).is_file():
            raise FileExistsError(
                f"{target} is a non-empty directory that is not a da4ml project (no {marker}); "
                "refusing to replace it: choose an empty or new path"
            )
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
    try:
        for rel, content in files.items():
            f = tmp / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(content)
        if fill is not None:
            fill(tmp)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=parent))
            old.rmdir()
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
