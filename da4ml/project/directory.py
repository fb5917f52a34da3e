"""Writing a project directory: regenerate what da4ml generates, keep everything else, all or nothing.

The generated files are written to a sibling temporary folder, which then replaces the project in two
renames (a killed or failed write leaves the previous project as it was). ``RECORD_NAME`` lists every file
da4ml wrote, with its sha256 (``sha256sum -c`` reads it): a rewrite replaces exactly those, and carries
everything else in the folder over (reports/, vivado/, sim_build/, synth/, the user's own files) by renaming
it into the new folder before the swap. A file of the user's where da4ml now writes one is refused, named,
before anything moves. A temporary left by a killed write is cleaned by the next one: what it lists is
deleted, anything else (a user's file the killed write was carrying over) is moved back first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .._files import make_temp_dir, stale_temporaries
from .manifest import MANIFEST_NAME

__all__ = ["RECORD_NAME", "WriteReport", "generated_files", "write_project"]

RECORD_NAME = ".da4ml-generated.sha256"  # "<sha256>  <relative path>" per generated file, sorted
log = logging.getLogger("da4ml.project")


@dataclass
class WriteReport:
    """What a project write did, relative to what was in the folder before."""

    path: Path
    written: list[str] = field(default_factory=list)  # every generated file (relative paths)
    replaced: list[str] = field(default_factory=list)  # generated files that existed and were rewritten
    edited: list[str] = field(default_factory=list)  # of those, the ones changed since da4ml wrote them
    removed: list[str] = field(default_factory=list)  # generated before, not any more (e.g. old stages)
    kept: list[str] = field(default_factory=list)  # entries da4ml did not write, carried over (top level)
    cleaned: list[str] = field(default_factory=list)  # stale temporaries of killed writes, removed

    def __str__(self) -> str:
        if not (self.replaced or self.removed or self.kept or self.cleaned):
            return f"wrote {self.path} ({len(self.written)} files)"
        lines = [f"rewrote {self.path}: {len(self.written)} generated files, {len(self.replaced)} replaced"]
        if self.edited:
            lines.append(f"  replaced although edited since generated: {', '.join(self.edited)}")
        if self.removed:
            lines.append(f"  removed (no longer generated): {', '.join(self.removed)}")
        if self.kept:
            lines.append(f"  kept (not written by da4ml): {', '.join(self.kept)}")
        if self.cleaned:
            lines.append(f"  cleaned temporaries of interrupted writes: {', '.join(self.cleaned)}")
        return "\n".join(lines)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files_under(root: Path) -> list[str]:
    """Relative POSIX paths of the regular files under ``root`` (symlinks not followed), sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        out += [(rel / f).as_posix() for f in filenames if (Path(dirpath) / f).is_file()]
        dirnames.sort()
    return sorted(out)


def _inside(rel: str) -> bool:
    p = PurePosixPath(rel)
    return bool(rel) and not p.is_absolute() and ".." not in p.parts


def _read_record(folder: Path) -> dict[str, str] | None:
    """``{relative path: sha256}`` of the record in ``folder``; None when there is none."""
    try:
        text = (folder / RECORD_NAME).read_text()
    except FileNotFoundError:
        return None
    record = {}
    for line in text.splitlines():
        digest, sep, rel = line.partition("  ")
        if sep and _inside(rel):
            record[rel] = digest
    record[RECORD_NAME] = ""
    return record


def _write_record(folder: Path) -> list[str]:
    files = [f for f in _files_under(folder) if f != RECORD_NAME]
    (folder / RECORD_NAME).write_text("".join(f"{_sha256(folder / f)}  {f}\n" for f in files))
    return files


def _legacy_files(folder: Path) -> dict[str, str]:
    """What da4ml wrote in a project written before ``RECORD_NAME`` existed (no hashes: never 'edited'),
    from its manifest.json as written (of any format, with or without the files it lists)."""
    names = [MANIFEST_NAME]
    try:
        raw = json.loads((folder / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        raw = None
    if isinstance(raw, dict):
        listed = [raw.get("dais"), raw.get("sources"), raw.get("hdl_files")]  # hdl_files: format 1
        names += [f for files in listed if isinstance(files, list) for f in files if isinstance(f, str)]
        top = raw.get("top")
        if isinstance(top, str) and top:
            names += [f"src/{top}.xdc", "src/build_vivado.tcl", "src/synth_yosys.ys", "Makefile", f"tb/test_{top}.py"]
    return dict.fromkeys(filter(_inside, names), "")


def generated_files(folder: str | Path) -> dict[str, str]:
    """``{relative path: sha256 when written}`` of the files da4ml generated in project ``folder``."""
    folder = Path(folder)
    record = _read_record(folder)
    return record if record is not None else _legacy_files(folder)


def _is_ours(rel: str, path: Path, ours: dict[str, str]) -> bool:
    return rel in ours and path.is_file() and not path.is_symlink()


def _carry_over(src: Path, dst: Path, ours: dict[str, str], new: set[str]) -> list[tuple[Path, Path]]:
    """The renames (from -> to) moving everything in ``src`` that is not ours into ``dst``: a folder that
    holds no generated file (old or new) moves whole, one that does is entered."""
    moves: list[tuple[Path, Path]] = []
    generated = set(ours) | new

    def visit(rel: PurePosixPath) -> None:
        for entry in sorted(os.scandir(src / rel), key=lambda e: e.name):
            r = rel / entry.name
            key = r.as_posix()
            if _is_ours(key, Path(entry.path), ours):
                continue
            inside = any(g.startswith(key + "/") for g in generated)
            if entry.is_dir(follow_symlinks=False) and inside:
                visit(r)
            else:
                moves.append((src / r, dst / r))

    visit(PurePosixPath("."))
    return moves


def _conflicts(target: Path, ours: dict[str, str], new: Iterable[str]) -> list[str]:
    """Paths da4ml now writes that hold something it did not write (a user's file or folder)."""
    bad = []
    for rel in new:
        parts = PurePosixPath(rel).parts
        for k in range(1, len(parts) + 1):
            key = "/".join(parts[:k])
            p = target / key
            if not p.exists() and not p.is_symlink():
                break
            is_last = k == len(parts)
            if (is_last and not _is_ours(key, p, ours)) or (not is_last and (p.is_symlink() or not p.is_dir())):
                bad.append(key)
                break
    return sorted(set(bad))


def _move(moves: Iterable[tuple[Path, Path]], done: list[tuple[Path, Path]] | None = None) -> None:
    for a, b in moves:
        b.parent.mkdir(parents=True, exist_ok=True)
        os.rename(a, b)
        if done is not None:
            done.append((a, b))


def _restore_stale(target: Path, report: WriteReport) -> None:
    """Clean the temporaries of writes of ``target`` that were killed; give back what they carried."""
    for kind, tmp in stale_temporaries(target, ("old", "tmp")):
        try:
            _restore_one(target, kind, tmp, report)
        except OSError as e:
            log.warning("could not clean %s, a temporary of an interrupted write of %s: %s", tmp, target, e)


def _restore_one(target: Path, kind: str, tmp: Path, report: WriteReport) -> None:
    if kind == "old":  # the previous project, all generated (what it held besides was carried over first)
        if target.exists() or target.is_symlink():
            shutil.rmtree(tmp)
            report.cleaned.append(tmp.name)
        else:  # killed between the two renames of the swap: put it back
            tmp.rename(target)
        return
    record = _read_record(tmp)
    if record is None:  # killed while generating, before anything was carried over: all generated
        shutil.rmtree(tmp)
        report.cleaned.append(tmp.name)
        return
    moves = [(a, target / a.relative_to(tmp)) for a, _ in _carry_over(tmp, tmp, record, set())]
    blocked = [b for _, b in moves if b.exists() or b.is_symlink()]
    if blocked:
        log.warning(
            "left %s alone: it holds files an interrupted write was carrying over, and %s exist(s) in %s",
            tmp,
            ", ".join(str(b.relative_to(target)) for b in blocked),
            target,
        )
        return
    _move(moves)
    shutil.rmtree(tmp)
    report.cleaned.append(tmp.name)


def _permission_error(e: PermissionError, target: Path, tmp: Path | None) -> PermissionError:
    """The error of a write of ``target`` naming ``target`` (and the file in it), not a temporary."""
    name = Path(str(e.filename)) if e.filename else target
    if name.parent == target.parent and name.name.startswith(f".{target.name}."):
        what = f"{target.parent} is not writable (a project is written next to itself, then renamed into place)"
    else:
        where = str(name)
        if tmp is not None and where.startswith(str(tmp)):
            where = str(target) + where[len(str(tmp)) :]
        what = f"{e.strerror}: {where}"
    return PermissionError(
        e.errno, f"cannot write the project {target}: {what}; fix the permissions or choose another path"
    )


def write_project(target: str | Path, fill: Callable[[Path], None]) -> WriteReport:
    """Write the project ``fill(folder)`` generates to ``target`` (see the module's docstring).

    Refuses (FileExistsError, before writing anything) a ``target`` that is a file, a non-empty folder
    that is not a da4ml project, or a project with a user's file where a generated one goes."""
    target = Path(target).resolve()
    report = WriteReport(target)
    tmp: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _restore_stale(target, report)
        if target.exists() or target.is_symlink():
            if not target.is_dir():
                raise FileExistsError(f"{target} exists and is not a directory; choose another path")
            if any(target.iterdir()) and not (target / MANIFEST_NAME).is_file():
                raise FileExistsError(
                    f"{target} is a non-empty directory that is not a da4ml project (no {MANIFEST_NAME}); "
                    "refusing to replace it: choose an empty or new path"
                )
        tmp = make_temp_dir(target)
        _fill(target, tmp, fill, report)
    except PermissionError as e:
        raise _permission_error(e, target, tmp) from e
    return report


def _fill(target: Path, tmp: Path, fill: Callable[[Path], None], report: WriteReport) -> None:
    moves: list[tuple[Path, Path]] = []  # carried over so far (undone on failure)
    try:
        fill(tmp)
        report.written = _write_record(tmp)
        new = set(report.written) | {RECORD_NAME}
        if target.exists():
            ours = generated_files(target)
            clash = _conflicts(target, ours, sorted(new))
            if clash:
                raise FileExistsError(
                    f"{target}: da4ml now generates {', '.join(clash)}, which it did not write (yours?); refusing "
                    "to replace them: move them out of the project, or write the project to another path"
                )
            for rel in sorted(ours):
                p = target / rel
                if rel == RECORD_NAME or not _is_ours(rel, p, ours):
                    continue
                if rel in new:
                    report.replaced.append(rel)
                    if ours[rel] and ours[rel] != _sha256(p):
                        report.edited.append(rel)
                else:
                    report.removed.append(rel)
            carry = _carry_over(target, tmp, ours, new)
            report.kept = [a.relative_to(target).as_posix() for a, _ in carry]
            with contextlib.suppress(OSError):  # keep the project folder's own mode (chmod g+w, ...)
                os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
            _move(carry, moves)
            old = make_temp_dir(target, "old")
            old.rmdir()
            target.rename(old)
            try:
                tmp.rename(target)
            except BaseException:
                old.rename(target)
                raise
            moves = []
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except BaseException:
        _move((b, a) for a, b in reversed(moves))
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if report.edited:
        log.warning("%s: replaced generated files edited since: %s", target, ", ".join(report.edited))
