"""Rewriting a project directory: only what da4ml generates is replaced; modes follow the umask; temporaries
of killed writes are cleaned (and give back what they carried); errors name the project (no simulator)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from codegen_programs import prog_mlp

from da4ml.codegen import RTLModel
from da4ml.project import directory
from da4ml.project.directory import RECORD_NAME, generated_files

ROOT = Path(__file__).resolve().parent


def _write(path: Path, **kw) -> RTLModel:
    model = RTLModel(prog_mlp(), kw.pop("name", "prj"), path, print_latency=False, **kw)
    model.write()
    return model


def _user_files(prj: Path) -> dict[str, str]:
    """What a user and the project's own tools add: Vivado's reports/ and vivado/, sim_build/, notes."""
    files = {
        "reports/prj_post_route_util.rpt": "utilization",
        "vivado/prj_routed.dcp": "checkpoint",
        "sim_build/icarus/results.xml": "<testsuites/>",
        "synth/yosys_result.json": "{}",
        "my_notes.txt": "keep me",
        "src/my_extra.v": "module my_extra; endmodule",
        "tb/__pycache__/x.pyc": "bytecode",
    }
    for rel, text in files.items():
        (prj / rel).parent.mkdir(parents=True, exist_ok=True)
        (prj / rel).write_text(text)
    return files


def _generated_tree(prj: Path) -> dict[str, bytes]:
    return {rel: (prj / rel).read_bytes() for rel in generated_files(prj)}


def test_rewrite_keeps_what_da4ml_did_not_write(tmp_path, capsys):
    prj = tmp_path / "prj"
    _write(prj)
    user = _user_files(prj)
    model = RTLModel(prog_mlp(), "prj", prj, clock_period=2.5, print_latency=True)
    model.write()
    for rel, text in user.items():
        assert (prj / rel).read_text() == text, f"{rel} was lost by the rewrite"
    fresh = tmp_path / "fresh"
    _write(fresh, clock_period=2.5)
    assert _generated_tree(prj) == _generated_tree(fresh), "the generated files are the new ones"
    report = model.last_write
    assert set(report.kept) == {
        "reports",
        "vivado",
        "sim_build",
        "synth",
        "my_notes.txt",
        "src/my_extra.v",
        "tb/__pycache__",
    }
    assert "src/prj.xdc" in report.replaced and not report.edited and not report.removed
    out = capsys.readouterr().out
    assert "kept (not written by da4ml)" in out and "my_notes.txt" in out and "replaced" in out


def test_rewrite_removes_only_files_no_longer_generated(tmp_path):
    prj = tmp_path / "prj"
    _write(prj, latency_cutoff=2)  # a pipeline: stage files
    assert (prj / "model_stage1.dais").is_file() and (prj / "src/prj_stage0.v").is_file()
    user = _user_files(prj)
    model = _write(prj)  # combinational now
    stale = sorted(p.relative_to(prj).as_posix() for p in prj.rglob("*stage*"))
    assert stale == [], f"stage files of the previous design left behind: {stale}"
    assert "model_stage0.dais" in model.last_write.removed and "src/prj_stage0.v" in model.last_write.removed
    assert all((prj / rel).read_text() == text for rel, text in user.items())


def test_edited_generated_file_is_named_when_replaced(tmp_path):
    prj = tmp_path / "prj"
    _write(prj)
    (prj / "src/prj.xdc").write_text("# my constraints\n")
    model = _write(prj)
    assert model.last_write.edited == ["src/prj.xdc"]
    assert "edited since generated: src/prj.xdc" in str(model.last_write)


def test_refuses_a_user_file_where_a_generated_one_goes(tmp_path):
    prj = tmp_path / "prj"
    _write(prj, name="a")
    (prj / "src/b.v").write_text("module b; endmodule  // mine")
    before = {p: p.read_bytes() for p in prj.rglob("*") if p.is_file()}
    with pytest.raises(FileExistsError, match=r"src/b\.v.*did not write"):
        _write(prj, name="b")
    assert {p: p.read_bytes() for p in prj.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prj"], "no temporaries left"


def test_project_without_a_record_keeps_user_files(tmp_path):
    """A project written before the record existed: the manifest says what da4ml wrote."""
    prj = tmp_path / "prj"
    _write(prj, latency_cutoff=2)
    (prj / RECORD_NAME).unlink()
    (prj / ".da4ml-python").unlink(missing_ok=True)  # neither existed then
    (prj / "my_notes.txt").write_text("keep me")
    model = _write(prj)
    assert (prj / "my_notes.txt").read_text() == "keep me"
    assert not list(prj.glob("model_stage*")) and model.last_write.kept == ["my_notes.txt"]


@contextlib.contextmanager
def _umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_modes_follow_the_umask(tmp_path, mask):
    comb = prog_mlp()
    with _umask(mask):
        prj = _write(tmp_path / "prj").path
        _write(prj)  # a rewrite too
        comb.save(tmp_path / "prog.json")
        comb.save_binary(tmp_path / "prog.dais")
    assert (prj.stat().st_mode & 0o777) == 0o777 & ~mask
    assert ((prj / "src").stat().st_mode & 0o777) == 0o777 & ~mask
    for f in [
        prj / "manifest.json",
        prj / "model.dais",
        prj / "Makefile",
        tmp_path / "prog.json",
        tmp_path / "prog.dais",
    ]:
        assert (f.stat().st_mode & 0o777) == 0o666 & ~mask, f


def test_rewrite_keeps_the_project_folder_mode(tmp_path):
    prj = _write(tmp_path / "prj").path
    prj.chmod(0o2770)
    _write(prj)
    assert (prj.stat().st_mode & 0o7777) == 0o2770


_KILLED_WRITE = """
import os, sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from codegen_programs import prog_mlp
from da4ml.codegen import RTLModel
from da4ml.project import directory

def pause(*a, **k):
    Path({marker!r}).write_text(str(os.getpid()))
    time.sleep(60)

if {where!r} == "fill":
    RTLModel._write_testbench = staticmethod(pause)
elif {where!r} == "carried":  # after the user's files were carried into the temporary, before the swap
    make = directory.make_temp_dir
    directory.make_temp_dir = lambda target, kind="tmp": pause() if kind == "old" else make(target, kind)
else:  # between the two renames of the swap: the project is away, the new one not yet in place
    rename = Path.rename
    Path.rename = lambda self, dst: pause() if self.name.startswith(".prj.tmp-") else rename(self, dst)
RTLModel(prog_mlp(), "prj", {prj!r}, clock_period=3, print_latency=False).write()
"""


def _killed_write(prj: Path, where: str) -> None:
    marker = prj.parent / "marker"
    script = _KILLED_WRITE.format(tests=str(ROOT), marker=str(marker), where=where, prj=str(prj))
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the write to kill ended early"
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    marker.unlink()


@pytest.mark.parametrize("where", ["fill", "carried", "swap"])
def test_killed_write_is_cleaned_by_the_next(tmp_path, where):
    prj = tmp_path / "prj"
    _write(prj)
    user = _user_files(prj)
    _killed_write(prj, where)
    stale = [p.name for p in tmp_path.iterdir() if p.name.startswith(".prj.tmp-")]
    assert stale, "the killed write left its temporary (the case this test is about)"
    if where == "carried":
        assert not (prj / "my_notes.txt").exists(), "the killed write was carrying the user's files"
    if where == "swap":
        assert not prj.exists(), "killed between the renames: the project is in the temporaries"
    model = _write(prj)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prj"], "stale temporaries cleaned"
    assert model.last_write.cleaned == stale
    for rel, text in user.items():
        assert (prj / rel).read_text() == text, f"{rel} lost"


def test_live_writers_temporaries_are_left_alone(tmp_path):
    prj = _write(tmp_path / "prj").path
    live = tmp_path / f".prj.tmp-{os.getpid()}-00000000"  # this process: alive
    live.mkdir()
    _write(prj)
    assert live.is_dir()


def test_permission_error_names_the_project(tmp_path, monkeypatch):
    prj = tmp_path / "prj"

    def denied(target, kind="tmp"):
        name = target.parent / f".{target.name}.{kind}-1-abcd"
        raise PermissionError(13, "Permission denied", str(name))

    monkeypatch.setattr(directory, "make_temp_dir", denied)
    with pytest.raises(PermissionError) as e:
        _write(prj)
    msg = str(e.value)
    assert f"cannot write the project {prj}" in msg and f"{tmp_path} is not writable" in msg
    assert ".tmp-" not in msg


def test_permission_error_inside_names_the_file_in_the_project(tmp_path, monkeypatch):
    prj = tmp_path / "prj"

    def denied(folder, manifest):
        raise PermissionError(13, "Permission denied", str(folder / "tb" / "test_prj.py"))

    monkeypatch.setattr(RTLModel, "_write_testbench", staticmethod(denied))
    with pytest.raises(PermissionError, match=rf"Permission denied: {prj}/tb/test_prj\.py") as e:
        _write(prj)
    assert ".tmp-" not in str(e.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root is not refused by file permissions")
def test_read_only_parent_is_named(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        with pytest.raises(PermissionError, match=rf"{parent} is not writable"):
            _write(parent / "prj")
    finally:
        parent.chmod(0o755)
