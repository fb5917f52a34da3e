"""The project contract (da4ml.project): typed manifest, lane packer, value conversions, templates, header."""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import jinja2
import numpy as np
import pytest
from codegen_programs import ALL_PROGRAMS, prog_mlp

from da4ml.codegen import RTLModel
from da4ml.project import FORMAT, Header, Lane, Manifest, ManifestError, Port, lanes_of
from da4ml.project.packing import pack, pack_ints, unpack, unpack_int
from da4ml.project.templates import ROOTS, environment, render, template_root
from da4ml.project.values import lanes_to_real, quantize_lanes

DATA = Path(__file__).parent / "data" / "hdl"


# --- the manifest ----------------------------------------------------------------------------------------


def _manifest(language: str = "verilog", latency: int = 2) -> Manifest:
    return Manifest(
        top="m_top",
        language=language,
        latency_cycles=latency,
        clock="clk" if latency else None,
        clock_period_ns=4.0,
        input_port=Port.packed("model_inp", [(1, 3, 2), (0, -2, 2), (0, 60, 2)]),
        output_port=Port.packed("model_out", [(1, 5, 0)]),
        dais=("model_stage0.dais", "model_stage1.dais"),
        sources=("src/m_top.vhd" if language == "vhdl" else "src/m_top.v",),
        program_sha256="ab" * 32,
        options_sha256="cd" * 32,
    )


@pytest.mark.parametrize("prog", sorted(ALL_PROGRAMS))
@pytest.mark.parametrize("cutoff", [-1, 1])
def test_generated_manifest_round_trips(prog: str, cutoff: float, tmp_path: Path) -> None:
    model = RTLModel(ALL_PROGRAMS[prog](), "rt", tmp_path / "p", latency_cutoff=cutoff, print_latency=False)
    files, manifest = model.render()
    assert files["manifest.json"] == manifest.to_json()
    again = Manifest.from_dict(json.loads(files["manifest.json"]))
    assert again == manifest and again.to_json() == manifest.to_json()
    prj = model.write()
    loaded = Manifest.load(prj)
    assert loaded == manifest and loaded.project_dir == prj.resolve()
    assert [p.read_bytes() for p in loaded.dais_paths] == [files[f] for f in manifest.dais]
    assert all(p.is_file() for p in loaded.source_paths)


@pytest.mark.parametrize("language", ["verilog", "vhdl"])
@pytest.mark.parametrize("latency", [0, 3])
def test_manifest_write_load_round_trip(language: str, latency: int, tmp_path: Path) -> None:
    m = _manifest(language, latency)
    for rel in m.dais + m.sources:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    m.write(tmp_path)
    loaded = Manifest.load(tmp_path)
    assert loaded == m and loaded.language == language and loaded.pipelined == (latency > 0)
    assert (tmp_path / "manifest.json").read_bytes() == m.to_json()
    assert [la.offset for la in loaded.input_port.lanes] == [0, 6, 6] and loaded.input_port.width == 68


def test_an_unbound_manifest_has_no_paths() -> None:
    with pytest.raises(ValueError, match="not bound to a directory: use Manifest.load"):
        _ = _manifest().dais_paths


def _raw() -> dict:
    return json.loads((DATA / "addsub_pipe" / "manifest.json").read_text())


def _format1(raw: dict) -> dict:
    """The same project as an older da4ml wrote it (format 1: hdl_files, no language)."""
    old = {k: v for k, v in raw.items() if k not in ("language", "sources")}
    return {**old, "format": 1, "hdl_files": raw["sources"]}


@pytest.mark.parametrize(
    "edit, message",
    [
        (_format1, r"format=1, this da4ml reads format 2 \(the project was written by an older da4ml\); regenerate"),
        (lambda r: {**r, "format": None}, r"format=None, this da4ml reads format 2"),
        (lambda r: {k: v for k, v in r.items() if k != "language"}, r"missing key 'language'; regenerate"),
        (lambda r: {**r, "hdl_files": ["x.v"]}, r"unknown key\(s\) \['hdl_files'\]"),
        (lambda r: {**r, "language": "systemc"}, r"language='systemc' must be one of verilog, vhdl"),
        (lambda r: {**r, "latency_cycles": "2"}, r"latency_cycles='2' must be an integer"),
        (lambda r: {**r, "pipelined": False}, r"pipelined=False but latency_cycles=2"),
        (lambda r: {**r, "clock_period_ns": 0}, r"clock_period_ns=0 must be a positive number"),
        (lambda r: {**r, "top": "1x"}, r"top='1x' is not a Verilog module name"),
        (lambda r: {**r, "sources": []}, r"sources must be a non-empty list of verilog source files"),
        (lambda r: {**r, "sources": ["/abs/top.v"]}, r"sources: '/abs/top.v' must be a path relative to the project"),
        (lambda r: {**r, "dais": ["../x.dais"]}, r"dais: '../x.dais' must be a path relative to the project"),
        (lambda r: {**r, "output_port": {"name": "model_out"}}, r"output_port: missing key 'width'"),
        (lambda r: {**r, "inputs": [{**r["inputs"][0], "k": 2}, r["inputs"][1]]}, r"inputs\[0\]: k=2 must be 0 or 1"),
        (
            lambda r: {**r, "inputs": [{**r["inputs"][0], "f": True}, r["inputs"][1]]},
            r"inputs\[0\]: f=True must be an integer",
        ),
        (
            lambda r: {**r, "outputs": [{"lane": 0, "offset": 0, "width": 63, "k": 1, "i": 62, "f": 0}]},
            r"outputs\[0\]: width=63 exceeds the 62-bit interpreter limit",
        ),
    ],
)
def test_bad_or_old_manifest_is_refused_naming_the_field(tmp_path: Path, edit, message: str) -> None:
    shutil.copytree(DATA / "addsub_pipe", tmp_path / "p")
    (tmp_path / "p" / "manifest.json").write_text(json.dumps(edit(_raw())))
    with pytest.raises(ManifestError, match=message) as info:
        Manifest.load(tmp_path / "p")
    assert str(info.value).startswith(str((tmp_path / "p" / "manifest.json").resolve()) + ": ")


def test_manifest_not_json(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{nope")
    with pytest.raises(ManifestError, match=r"manifest.json: not valid JSON"):
        Manifest.load(tmp_path)


def test_manifest_checked_on_construction() -> None:
    with pytest.raises(ManifestError, match=r"latency_cycles=0 but clock='clk'"):
        dataclasses.replace(_manifest(), latency_cycles=0)
    with pytest.raises(ManifestError, match=r"ii=2: only II=1"):
        dataclasses.replace(_manifest(), ii=2)


def test_the_format_is_versioned() -> None:
    assert json.loads(_manifest().to_json())["format"] == FORMAT == 2


# --- the lane packer, against exact big-integer packing ---------------------------------------------------


def _ref_word(row, port: Port) -> int:
    return sum((int(v) % (1 << la.width)) << la.offset for la, v in zip(port.lanes, row) if la.width > 0)


def _ref_lanes(word: int, port: Port) -> list[int]:
    out = []
    for la in port.lanes:
        u = (word >> la.offset) % (1 << la.width) if la.width else 0
        out.append(u - (1 << la.width) if la.signed and la.width and u >> (la.width - 1) else u)
    return out


def _ref_words(word: int, n: int, bits: int) -> list[int]:
    return [(word >> (bits * q)) % (1 << bits) for q in range(n)]


def _random_port(r: random.Random, widths: list[int]) -> Port:
    lanes, off = [], 0
    for j, w in enumerate(widths):
        k = r.randint(0, 1) if w else 0
        f = r.randint(-6, 40)
        off += r.choice((0, 0, 1, 3))  # sometimes a gap between lanes
        lanes.append(Lane(j, off, w, k, w - k - f, f))
        off += w
    return Port("p", max(off + r.randint(0, 40), 1), tuple(lanes))


def _random_values(r: random.Random, port: Port, n: int, wrap: bool) -> list[list[int]]:
    rows = []
    for _ in range(n):
        row = []
        for la in port.lanes:
            lo, hi = la.min_int, la.max_int
            if wrap and la.width and la.width <= 60:  # outside the lane's range: packing keeps the low bits
                lo, hi = lo - (3 << la.width), hi + (3 << la.width)
            row.append(r.randint(lo, hi))
        rows.append(row)
    return rows


def _check_packer(port: Port, rows: list[list[int]], dtype) -> None:
    values = np.array(rows, dtype=dtype)
    words = [_ref_word(row, port) for row in rows]
    n32, n64 = -(-port.width // 32), -(-port.width // 64)
    w32 = pack(values, port, word_bits=32)
    w64 = pack(values, port, word_bits=64)
    assert w32.dtype == np.uint32 and w64.dtype == np.uint64
    assert w32.tolist() == [_ref_words(w, n32, 32) for w in words]
    assert w64.tolist() == [_ref_words(w, n64, 64) for w in words]
    assert pack_ints(values, port) == words
    expect = [_ref_lanes(w, port) for w in words]
    assert unpack(w32, port, word_bits=32).tolist() == expect
    assert unpack(w64, port, word_bits=64).tolist() == expect
    assert [unpack_int(w, port) for w in words] == expect


@pytest.mark.parametrize("seed", range(6))
def test_packer_every_width_1_to_62(seed: int) -> None:
    r = random.Random(seed)
    widths = list(range(1, 63)) + [0, 0, 1, 62]
    r.shuffle(widths)
    port = _random_port(r, widths)
    assert port.width > 128  # lanes cross 32- and 64-bit word boundaries at many alignments
    _check_packer(port, _random_values(r, port, 64, wrap=False), np.int64)
    _check_packer(port, _random_values(r, port, 64, wrap=True), np.int64)


@pytest.mark.parametrize("seed", range(4))
def test_packer_lanes_wider_than_64_bits(seed: int) -> None:
    r = random.Random(100 + seed)
    widths = [64, 65, 100, 127, 128, 129, 200, 3, 62, 0, 1]
    r.shuffle(widths)
    port = _random_port(r, widths)
    _check_packer(port, _random_values(r, port, 40, wrap=False), object)


def test_packer_lanes_packed_from_bit_0() -> None:
    port = Port.packed("p", [(1, 3, 0), (0, 2, 0), (0, 0, 0), (1, 0, 0)])
    assert [(la.offset, la.width) for la in port.lanes] == [(0, 4), (4, 2), (6, 0), (6, 1)]
    assert pack_ints(np.array([[-1, 3, 0, -1]]), port) == [0b1_11_1111]


def test_packer_refuses_bad_shapes() -> None:
    port = Port("p", 4, (Lane(0, 0, 4, 0, 4, 0),))
    with pytest.raises(ValueError, match=r"shaped \(batch, 1\) for port p"):
        pack(np.zeros((3, 2), dtype=np.int64), port)
    with pytest.raises(ValueError, match=r"port q is 3 bits wide but its lanes reach bit 3"):
        pack(np.zeros((1, 1), dtype=np.int64), Port("q", 3, port.lanes))
    with pytest.raises(ValueError, match=r"word_bits=16"):
        pack(np.zeros((1, 1), dtype=np.int64), port, word_bits=16)


# --- real values <-> lane integers -----------------------------------------------------------------------


def test_quantize_lanes_is_exact_floor_and_wrap() -> None:
    rng = np.random.default_rng(5)
    lanes = lanes_of([(1, 3, 4), (0, 10, -2), (1, 40, 12), (0, 1, 60), (1, -3, 8)])
    x = rng.standard_normal((400, len(lanes))) * rng.choice([1e-3, 1.0, 1e3, 1e15], size=(400, len(lanes)))
    got = quantize_lanes(x, lanes)
    for s in range(x.shape[0]):
        for la in lanes:
            v = int((Fraction(float(x[s, la.lane])) * Fraction(2) ** la.f).__floor__()) % (1 << la.width)
            if la.signed and v >> (la.width - 1):
                v -= 1 << la.width
            assert got[s, la.lane] == v, (s, la)
    back = lanes_to_real(got, lanes)
    assert np.all(back == np.ldexp(got.astype(np.float64), -np.array([la.f for la in lanes])))


def test_quantize_lanes_refuses_non_finite() -> None:
    with pytest.raises(ValueError, match=r"input 0 of sample 1 is nan: inputs must be finite"):
        quantize_lanes(np.array([[0.0], [np.nan]]), lanes_of([(1, 3, 0)]))


# --- one environment, one header ---------------------------------------------------------------------------


def test_one_environment_a_root_per_prefix() -> None:
    env = environment()
    assert isinstance(env.loader, jinja2.PrefixLoader) and sorted(ROOTS) == ["hls", "report", "rtl", "verif"]
    assert env.undefined is jinja2.StrictUndefined
    # only the HTML report is escaped: HDL, scripts and Python are not markup
    assert env.autoescape("report.html.j2") and not env.autoescape("comb_module.v.j2")
    assert not env.autoescape("Makefile.j2") and not env.autoescape(None)
    for prefix, name in {"rtl": "comb_module.v.j2", "verif": "Makefile.j2", "report": "report.html.j2"}.items():
        assert (template_root(prefix) / name).is_file()
        assert env.get_template(f"{prefix}:{name}").name == name
    with pytest.raises(jinja2.TemplateNotFound):
        env.get_template("rtl:Makefile.j2")
    with pytest.raises(jinja2.TemplateNotFound):
        env.get_template("comb_module.v.j2")  # no prefix, no template
    with pytest.raises(jinja2.UndefinedError):
        render("verif:Makefile.j2")


def test_one_header_in_every_generated_file(tmp_path: Path) -> None:
    model = RTLModel(prog_mlp(), "hd", tmp_path / "p", latency_cutoff=2, print_latency=False)
    prj = model.write()
    m = model.manifest
    comment = {".v": "//", ".xdc": "#", ".tcl": "#", ".ys": "#", ".py": "#", "": "#"}
    generated = [*m.sources, "src/hd.xdc", "src/build_vivado.tcl", "src/synth_yosys.ys", "Makefile", "tb/test_hd.py"]
    for rel in generated:
        lines = (prj / rel).read_text().splitlines()
        c = comment[Path(rel).suffix]
        tool = "da4ml.verif" if rel in ("Makefile", "tb/test_hd.py") else "da4ml.codegen"
        assert lines[0] == f"{c} Generated by da4ml 0.1.0 ({tool}). DO NOT EDIT: regenerate instead.", rel
        assert f"{c} program sha256 {m.program_sha256}" in lines[:4], rel
        assert f"{c} options sha256 {m.options_sha256}" in lines[:4], rel
    h = Header("t", "p" * 64, "o" * 64, ("what it is",))
    assert environment().from_string('{{ h | comment("--") }}').render(h=h).splitlines() == [f"-- {x}" for x in h.lines]


# --- the verif kit is part of every project ---------------------------------------------------------------


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, check=False)


def test_a_broken_verif_kit_fails_loudly(tmp_path: Path) -> None:
    """RTLModel must not write a project without its testbench: a verif kit that does not import (here: its
    testbench writer is missing) stops ``import da4ml.codegen`` with the import error."""
    proc = _python("import sys; sys.modules['da4ml.verif.writer'] = None\nimport da4ml.codegen", tmp_path)
    assert proc.returncode != 0, proc.stdout
    assert "ModuleNotFoundError: import of da4ml.verif.writer halted" in proc.stderr, proc.stderr
    ok = _python("import da4ml.codegen; print('imported')", tmp_path)  # the control: the intact kit imports
    assert ok.returncode == 0 and "imported" in ok.stdout, ok.stderr


def test_a_verif_kit_without_templates_fails_the_write(tmp_path: Path) -> None:
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from codegen_programs import prog_mlp\n"
        "from da4ml.codegen import RTLModel\n"
        "from da4ml.project import templates\n"
        "templates.ROOTS['verif'] = ('no_such_templates',)\n"
        "RTLModel(prog_mlp(), 'nt', 'prj', print_latency=False).write()\n"
    )
    proc = _python(code, tmp_path)
    assert proc.returncode != 0 and "da4ml's 'verif' templates are missing" in proc.stderr, proc.stderr
    assert not (tmp_path / "prj").exists(), "a failed write leaves no project behind"
