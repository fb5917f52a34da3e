"""`da4ml report`: rows read from our projects and the published da4ml's, checked against independent truth
(the traced program in memory, the generated Verilog, the published package's own binary), then written in
all five formats and parsed back with their own parsers (json, csv, Markdown rows, an HTML parser for the
table and the SVG charts' marks)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from report_support import rtl_register_bits

from da4ml.cli import main as cli
from da4ml.codegen import RTLModel
from da4ml.ir import CombLogic
from da4ml.report import COLUMNS, read_project, read_projects, render_text
from da4ml.report.render import format_value, used_columns
from da4ml.report.yosys import RESULT_FILE, result_from_stat
from da4ml.trace import FixedVariableArrayInput, comb_trace, ops
from da4ml.trace._cost import estimate_ops

DATA = Path(__file__).parent / "data" / "report"
ROOT = Path(__file__).resolve().parent.parent


def small_comb() -> CombLogic:
    x = FixedVariableArrayInput((4,)).quantize(1, 3, 2)
    w = np.random.default_rng(5).integers(-8, 8, (4, 3)) / 4
    return comb_trace(x, ops.relu(x @ w, i=4, f=2))


JUNIT = """<?xml version='1.0' encoding='utf-8'?>
<testsuites name="results"><testsuite name="all" package="all">
<properties><property name="seed" value="{seed}"/><property name="sim" value="{sim}"/>
<property name="n_samples" value="{n}"/><property name="design" value="x"/></properties>
<testcase name="test_x" classname="test_x">{failure}</testcase></testsuite></testsuites>
"""


def write_junit(prj: Path, sim: str, seed: int, n: int, passed: bool) -> None:
    d = prj / "sim_build" / sim
    d.mkdir(parents=True, exist_ok=True)
    failure = "" if passed else '<failure message="OUTPUT MISMATCH"/>'
    (d / "results.xml").write_text(JUNIT.format(seed=seed, sim=sim, n=n, failure=failure))


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> dict:
    """Two projects of ours (combinational; pipelined with a Yosys result), two of the published da4ml."""
    root = tmp_path_factory.mktemp("report")
    comb = small_comb()
    m_comb = RTLModel(comb, "tiny_comb", root / "tiny_comb", print_latency=False)
    m_pipe = RTLModel(comb, "tiny_pipe", root / "tiny_pipe", latency_cutoff=1, print_latency=False)
    p_comb, p_pipe = m_comb.write(), m_pipe.write()
    write_junit(p_comb, "icarus", 11, 300, True)
    write_junit(p_comb, "verilator", 11, 300, False)
    write_junit(p_pipe, "verilator", 12, 400, True)
    stat = json.loads((DATA / "yosys" / "yosys_stat.json").read_text())
    path = json.loads((DATA / "yosys" / "yosys_path.json").read_text())
    res = result_from_stat(stat, path, "tiny_pipe", "xcup")
    (p_pipe / "synth").mkdir()
    (p_pipe / RESULT_FILE).write_text(json.dumps(res.to_json(), sort_keys=True))
    pubs = {}
    for name in ("pubcomb", "pubpipe"):
        pubs[name] = root / name
        shutil.copytree(DATA / "published" / name, pubs[name])
    return {"comb": comb, "m_comb": m_comb, "m_pipe": m_pipe, "p_comb": p_comb, "p_pipe": p_pipe, **pubs}


def paths(projects) -> list[str]:
    return [str(projects[k]) for k in ("p_comb", "p_pipe", "pubcomb", "pubpipe")]


def test_rows_of_our_projects_match_the_program_and_the_rtl(projects) -> None:
    warnings: list[str] = []
    rows = {r.name: r for r in read_projects(paths(projects), warnings.append)}
    assert warnings == []
    comb: CombLogic = projects["comb"]
    k, i, f = comb.inp_kifs
    ko, io, fo = comb.out_kifs
    c = rows["tiny_comb"]
    assert (c.n_inputs, c.input_bits, c.n_outputs, c.output_bits) == (4, int(sum(k + i + f)), 3, int(sum(ko + io + fo)))
    assert (c.dais_ops, c.cost, c.adder_levels, c.stages) == (len(comb.ops), comb.cost, max(comb.latency), 1)
    assert (c.latency_cycles, c.register_bits, c.clock_period_ns) == (0, 0, None)
    assert (c.signoff, c.simulators, c.samples, c.seed) == ("FAIL", "icarus+verilator!", 300, "11")
    assert c.yosys_lut is None and c.source.startswith("da4ml ")
    m = projects["m_pipe"]
    p = rows["tiny_pipe"]
    assert p.stages == len(m.stages) > 1 and p.latency_cycles == m.latency_cycles > 0
    assert p.cost == pytest.approx(sum(s.cost for s in m.stages))
    assert p.register_bits == rtl_register_bits(projects["p_pipe"])
    assert (p.signoff, p.simulators, p.samples, p.seed, p.clock_period_ns) == ("PASS", "verilator", 400, "12", 5.0)
    # the Yosys columns: the counts of the `stat -json` fixture (a real Yosys run), read here directly
    cells = json.loads((DATA / "yosys" / "yosys_stat.json").read_text())["design"]["num_cells_by_type"]
    path = json.loads((DATA / "yosys" / "yosys_path.json").read_text())["modules"]["\\small_p"]["num_cells_by_type"]
    lut = sum(n for c, n in cells.items() if re.fullmatch(r"LUT\d|INV", c))
    ff, carry = cells["FDRE"], cells["CARRY4"]
    levels = sum(n for c, n in path.items() if c.startswith("LUT"))
    assert (p.yosys_lut, p.yosys_inv, p.yosys_ff, p.yosys_carry, p.yosys_lut_levels) == (
        lut,
        cells["INV"],
        ff,
        carry,
        levels,
    )
    assert p.part == "xcvu13p-flga2577-2-e"


def test_rows_of_published_projects_match_its_binary(projects) -> None:
    """metadata.json for cost/latency/registers; the programs (model/*.json) read in the published layout
    agree with the same programs read from the binary the published package saved."""
    rows = {r.name: r for r in read_projects(paths(projects), lambda w: pytest.fail(w))}
    for name in ("pubcomb", "pubpipe"):
        meta = json.loads((projects[name] / "metadata.json").read_text())
        truth = estimate_ops(CombLogic.load_binary(projects[name] / "model.dais.bin"))
        r = rows[name]
        assert r.source == "published da4ml (metadata.json)" and r.flavor == "verilog"
        # the published cost model is its own: the metadata's figure is the sum of its ops' costs
        their_ops = json.loads((projects[name] / "model" / "comb.json").read_text())[5]
        assert r.cost == meta["cost"] == sum(op[6] for op in their_ops)
        k, i, f = truth.inp_kifs
        assert (r.n_inputs, r.input_bits, r.n_outputs) == (truth.shape[0], int(sum(k + i + f)), truth.shape[1])
        assert r.adder_levels == max(truth.latency)
        assert r.signoff == "not run"
    assert rows["pubcomb"].dais_ops == len(CombLogic.load_binary(projects["pubcomb"] / "model.dais.bin").ops)
    meta = json.loads((projects["pubpipe"] / "metadata.json").read_text())
    assert (rows["pubpipe"].latency_cycles, rows["pubpipe"].register_bits) == (meta["latency"], meta["reg_bits"])
    assert rows["pubpipe"].stages == len(json.loads((projects["pubpipe"] / "model" / "pipeline.json").read_text())[0])
    assert (rows["pubcomb"].latency_cycles, rows["pubcomb"].stages) == (0, 1)


class _Html(HTMLParser):
    """Table rows of table#projects and the marks of each chart (by svg id)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.marks: dict[str, list[dict]] = {}
        self._svg: str | None = None
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = []
        elif tag == "svg":
            self._svg = a["id"]
            self.marks[self._svg] = []
        elif self._svg and "mark" in a.get("class", "").split():
            self.marks[self._svg].append({"tag": tag, **a})

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "svg":
            self._svg = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_five_formats_parse_back(projects, tmp_path: Path, capsys) -> None:
    args = paths(projects)
    outs = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "csv", "tsv", "md", "html")}
    for out in outs.values():
        assert cli(["report", *args, "-o", str(out), "--sort", "cost"]) == 0
    doc = json.loads(outs["json"].read_text())
    rows = doc["projects"]
    assert [r["name"] for r in rows] == ["pubcomb", "pubpipe", "tiny_comb", "tiny_pipe"]  # by cost, then input order
    assert [r["cost"] for r in rows] == sorted(r["cost"] for r in rows)
    assert doc["warnings"] == [] and [c["key"] for c in doc["columns"]] == [c.key for c in COLUMNS]
    expected = {r.name: r.as_dict() for r in read_projects(args, lambda w: None)}
    assert {r["name"]: r for r in rows} == expected

    for fmt, dialect in (("csv", "excel"), ("tsv", "excel-tab")):
        with open(outs[fmt], newline="") as fh:
            table = list(csv.DictReader(fh, dialect=dialect))
        assert [t["name"] for t in table] == [r["name"] for r in rows]
        for t, r in zip(table, rows):
            assert t == {k: format_value(v) for k, v in r.items()}

    md = [ln for ln in outs["md"].read_text().splitlines() if ln.startswith("|")]
    cols = used_columns(read_projects(args, lambda w: None))
    assert len(md) == 2 + len(rows)
    assert [c.strip() for c in md[0].strip("|").split("|")] == [c.header for c in cols]
    body = [[c.strip() for c in ln.strip("|").split("|")] for ln in md[2:]]
    assert [b[0] for b in body] == [r["name"] for r in rows]
    assert all(b == [format_value(r[c.key]) for c in cols] for b, r in zip(body, rows))

    html = _Html()
    html.feed(outs["html"].read_text())
    assert len(html.rows) == len(rows) and all(len(r) == len(cols) for r in html.rows)
    assert [h[0] for h in html.rows] == [r["name"] for r in rows]
    assert set(html.marks) == {"chart-luts", "chart-fidelity", "chart-latency"}
    for chart, series in (
        ("chart-luts", {"cost estimate": "cost", "Yosys LUT": "yosys_lut", "Vivado LUT": "vivado_lut"}),
        (
            "chart-latency",
            {"adder levels": "adder_levels", "Yosys LUT levels": "yosys_lut_levels", "cycles": "latency_cycles"},
        ),
    ):
        want = sorted((r["name"], s, float(r[k])) for r in rows for s, k in series.items() if r[k] is not None)
        got = sorted((m["data-project"], m["data-series"], float(m["data-value"])) for m in html.marks[chart])
        assert got == want and all(m["tag"] == "rect" for m in html.marks[chart])
    points = html.marks["chart-fidelity"]
    pipe = next(r for r in rows if r["name"] == "tiny_pipe")
    assert [(m["tag"], m["data-project"], float(m["data-value"])) for m in points] == [
        ("circle", "tiny_pipe", float(pipe["yosys_lut"]))
    ]
    # deterministic: the same projects give the same bytes
    again = tmp_path / "again.html"
    assert cli(["report", *args, "-o", str(again), "--sort", "cost"]) == 0
    assert again.read_bytes() == outs["html"].read_bytes()
    capsys.readouterr()


def test_terminal_table_sort_and_bad_arguments(projects, capsys) -> None:
    args = paths(projects)
    assert cli(["report", *args, "--sort=-dais_ops"]) == 0
    out = capsys.readouterr().out.splitlines()
    names = [ln.split()[0] for ln in out[2:6]]
    rows = {r.name: r for r in read_projects(args, lambda w: None)}
    assert names == sorted(rows, key=lambda n: -rows[n].dais_ops)
    assert cli(["report", *args, "--sort", "nonsense"]) == 2
    err = capsys.readouterr().err
    assert "--sort 'nonsense': no such column" in err and "yosys_lut" in err
    assert cli(["report", *args, "-o", "report.xlsx"]) == 2
    assert "use one of .json, .csv, .tsv, .md, .html" in capsys.readouterr().err


def test_unreadable_projects_are_warnings_naming_them(projects, tmp_path: Path, capsys) -> None:
    bad_manifest = tmp_path / "bad"
    shutil.copytree(projects["p_comb"], bad_manifest)
    (bad_manifest / "manifest.json").write_text("{not json")
    bad_meta = tmp_path / "badmeta"
    bad_meta.mkdir()
    (bad_meta / "metadata.json").write_text("[1, 2]")
    bad_junit = tmp_path / "badjunit"
    shutil.copytree(projects["p_comb"], bad_junit)
    (bad_junit / "sim_build" / "icarus" / "results.xml").write_text("<testsuites><testsuite>")
    bad_yosys = tmp_path / "badyosys"
    shutil.copytree(projects["p_pipe"], bad_yosys)
    (bad_yosys / RESULT_FILE).write_text('{"format": 1, "lut": -3}')
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "r.json"
    args = [str(p) for p in (bad_manifest, bad_meta, bad_junit, bad_yosys, empty, tmp_path / "missing")]
    assert cli(["report", *args, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    doc = json.loads(out.read_text())
    assert [r["path"] for r in doc["projects"]] == [str(bad_junit), str(bad_yosys)]
    for needle in (
        f"{bad_manifest}/manifest.json: not valid JSON",
        f"{bad_meta}/metadata.json: not a readable published-da4ml metadata file",
        f"{bad_junit}/sim_build/icarus/results.xml: not a readable JUnit XML file",
        f"{bad_yosys}/{RESULT_FILE}: unexpected fields",
        f"{empty}: neither manifest.json",
        f"{tmp_path / 'missing'}: not a directory",
    ):
        assert needle in err, err
        assert any(needle in w for w in doc["warnings"])
    assert doc["projects"][0]["simulators"] == "verilator!"  # the unreadable icarus result is left out
    assert doc["projects"][1]["yosys_lut"] is None
    assert cli(["report", str(empty)]) == 1  # nothing readable at all
    assert "no project could be read" in capsys.readouterr().err


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    """(width, height, RGB(A) rows without filter bytes) of an 8-bit RGB/RGBA PNG (stdlib only)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, color = hdr[0], hdr[1], hdr[2], hdr[3]
    assert depth == 8 and color in (2, 6), f"PNG depth {depth} color type {color}"
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    out = bytearray()
    prev = bytearray(stride)
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += line
        prev = line
    return w, h * bpp, bytes(out)


@pytest.mark.slow
def test_html_renders_in_headless_chromium(projects, tmp_path: Path) -> None:
    """scripts/render-report.sh renders the HTML report in Debian's Chromium (installed when missing and
    root); the picture holds the bar colour and the point colour of the charts."""
    if not (shutil.which("chromium") or shutil.which("apt-get")):
        pytest.skip("no chromium and no apt-get to install it")
    html, png = tmp_path / "r.html", tmp_path / "r.png"
    assert cli(["report", *paths(projects), "-o", str(html)]) == 0
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "render-report.sh"), str(html), str(png), "1000", "1600"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    w, _, pixels = _png_pixels(png)
    assert w == 1000
    colours = {}
    bpp = 4 if len(pixels) % (1000 * 1600 * 4) == 0 else 3
    for j in range(0, len(pixels), bpp):
        rgb = pixels[j : j + 3]
        colours[rgb] = colours.get(rgb, 0) + 1
    bar, point = bytes((0x4C, 0x72, 0xB0)), bytes((0xDD, 0x84, 0x52))  # .s0 and .s1 in the template
    assert colours.get(bar, 0) > 500, "no bars drawn"
    assert colours.get(point, 0) > 200, "no Yosys bars / points drawn"
    assert len(colours) > 20  # text and lines, not a blank page


def test_report_cli_module_entry(projects) -> None:
    """python -m da4ml report (what the project Makefile and users call)."""
    proc = subprocess.run(
        [sys.executable, "-m", "da4ml", "report", str(projects["p_pipe"])], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "tiny_pipe" in proc.stdout and "PASS" in proc.stdout


def test_row_columns_cover_the_issue(projects) -> None:
    """Every column the JSON has is a ProjectRow field and every render uses the same keys."""
    rows = read_projects(paths(projects), lambda w: None)
    keys = [c.key for c in COLUMNS]
    assert list(rows[0].as_dict()) == keys
    assert render_text(rows, "csv").splitlines()[0].split(",") == keys


@pytest.mark.simulator
def test_signoff_from_a_real_testbench_run(hdl_sim: str, tmp_path: Path) -> None:
    """The sign-off columns come from the JUnit file the cocotb testbench wrote."""
    from da4ml.verif import run

    prj = RTLModel(small_comb(), "signed_off", tmp_path / "signed_off", latency_cutoff=1, print_latency=False).write()
    res = run(prj, hdl_sim, seed=5, n_samples=60)
    assert res.passed, res.summary()
    row = read_project(prj, lambda w: pytest.fail(w))
    assert (row.signoff, row.simulators, row.samples, row.seed) == ("PASS", hdl_sim, 60, "5")


def test_html_escapes_text(projects) -> None:
    """Warnings and paths are text, not markup (the report template is autoescaped)."""
    rows = read_projects(paths(projects)[:1], lambda w: None)
    html = render_text(rows, "html", ["/tmp/a<b>&c: cannot parse"])
    assert "<li>/tmp/a&lt;b&gt;&amp;c: cannot parse</li>" in html and "<b>" not in html


@pytest.mark.parametrize(
    "build",
    [
        lambda x: ops.relu(x @ (np.arange(24).reshape(8, 3) / 8 - 1), i=4, f=2),
        lambda x: ops.quantize(x, 1, 1, 2, overflow_mode="SAT", round_mode="RND"),
        lambda x: np.where(x[:4] > x[4:], x[4:] * 3 + 0.75, -x[:4]),
        lambda x: ops.quantize(np.tanh(x), 1, 0, 5),
        lambda x: x[:4] * x[4:],
        lambda x: np.maximum(x[:4], x[4:]) - 1.25,
    ],
)
def test_cost_from_the_binary_is_the_traced_cost(build) -> None:
    """The report costs our projects from their DAIS binaries (which hold no costs): the re-estimate must
    give every op the cost and latency the tracer gave it."""
    x = FixedVariableArrayInput((8,)).quantize(1, 3, 3)
    comb = comb_trace(x, build(x))
    again = estimate_ops(CombLogic.from_binary(comb.to_binary()))
    assert [(op.cost, op.latency) for op in again.ops] == [(op.cost, op.latency) for op in comb.ops]
    assert again.cost == comb.cost
