"""Vendor report parsers (da4ml.report.vivado / quartus / vitis) on fixtures written from the vendors'
documented layouts (tests/data/report/vendor/); the expected figures are the ones printed in each fixture.
A file that cannot be parsed is a VendorReportError naming what is missing, and in a report a warning
naming the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from da4ml.report import read_project
from da4ml.report.errors import VendorReportError
from da4ml.report.quartus import parse_fit, parse_sta_report, parse_sta_summary
from da4ml.report.vitis import parse_csynth_xml
from da4ml.report.vivado import parse_timing, parse_util

DATA = Path(__file__).parent / "data" / "report"
VENDOR = DATA / "vendor"


def text(name: str) -> str:
    return (VENDOR / name).read_text()


def test_vivado_util_ultrascale_routed() -> None:
    u = parse_util(text("vivado_post_route_util.rpt"))
    assert (u.design, u.device, u.state) == ("mlp", "xcvu13p-flga2577-2-e", "Routed")
    assert (u.lut, u.ff, u.carry, u.dsp, u.bram, u.uram) == (3817, 1532, 402, 2, 1.5, 0)


def test_vivado_util_7series_synthesized() -> None:
    """Slice LUTs* (footnoted), no Prohibited column, no carry row."""
    u = parse_util(text("vivado_post_synth_util_7series.rpt"))
    assert (u.design, u.device, u.state) == ("layer", "7z020clg400-1", "Synthesized")
    assert (u.lut, u.ff, u.carry, u.dsp, u.bram) == (12045, 640, 0, 0, 0.0)


def test_vivado_timing_met_and_failing() -> None:
    t = parse_timing(text("vivado_post_route_timing.rpt"))
    assert (t.wns_ns, t.tns_ns, t.whs_ns, t.clock, t.period_ns) == (1.25, 0.0, 0.018, "clk", 5.0)
    assert t.fmax_mhz == pytest.approx(1000 / (5.0 - 1.25))
    bad = parse_timing(text("vivado_failing_timing.rpt"))
    assert (bad.wns_ns, bad.tns_ns, bad.period_ns) == (-0.4, -12.8, 3.2)
    assert bad.fmax_mhz == pytest.approx(1000 / 3.6)  # a negative slack lowers Fmax below 1 / period


def test_quartus_fit_alm_and_le_families() -> None:
    f = parse_fit(text("mlp.fit.summary"))
    assert (f.family, f.device, f.alm, f.logic_elements) == ("Agilex 7", "AGFB014R24B2E2V", 2345, None)
    assert (f.registers, f.dsp, f.memory_bits) == (1532, 0, 0)
    assert f.status.startswith("Successful")
    le = parse_fit(text("cyclone4.fit.rpt"))  # the Fitter Summary panel of a .fit.rpt
    assert (le.family, le.alm, le.logic_elements, le.registers) == ("Cyclone IV E", None, 10210, 300)


def test_quartus_timing() -> None:
    t = parse_sta_report(text("mlp.sta.rpt"))
    assert t.fmax_mhz == 400.0  # the lowest Restricted Fmax over both corners
    assert t.setup_slack_ns == 2.574  # the worst setup slack over both corners
    s = parse_sta_summary(text("mlp.sta.summary"))
    assert (s.fmax_mhz, s.setup_slack_ns) == (None, 2.574)


def test_vitis_csynth() -> None:
    h = parse_csynth_xml(text("csynth.xml"))
    assert (h.top, h.part, h.target_clock_ns, h.estimated_clock_ns) == ("mlp_fn", "xcvu13p-flga2577-2-e", 5.0, 3.975)
    assert (h.latency_best, h.latency_worst, h.ii_min, h.ii_max) == (3, 4, 1, 1)
    assert (h.lut, h.ff, h.dsp, h.bram_18k, h.uram) == (5310, 1204, 0, 0, 0)
    old = parse_csynth_xml(text("vivado_hls_2019_csynth.xml"))  # DSP48E, no URAM
    assert (old.top, old.lut, old.ff, old.dsp, old.bram_18k, old.uram) == ("layer_fn", 812, 10, 3, 2, 0)


@pytest.mark.parametrize(
    ("name", "parse", "message"),
    [
        ("vivado_truncated_util.rpt", parse_util, "no LUT row"),
        ("csynth.xml", parse_util, "no LUT row"),
        ("mlp.fit.summary", parse_timing, "no 'Design Timing Summary'"),
        ("broken.fit.summary", parse_fit, "not a Quartus Fitter summary"),
        ("mlp.sta.summary", parse_sta_report, "not a Quartus Timing Analyzer report"),
        ("csynth.xml", parse_sta_summary, "not a Quartus Timing Analyzer summary"),
        ("truncated_csynth.xml", parse_csynth_xml, "not well-formed XML"),
        ("mlp.fit.summary", parse_csynth_xml, "not well-formed XML"),
    ],
)
def test_unparseable_reports_raise_naming_the_problem(name, parse, message) -> None:
    with pytest.raises(VendorReportError, match=message):
        parse(text(name))


def _published_with_reports(tmp_path: Path, reports: dict[str, str]) -> Path:
    """The published da4ml's pipelined project with vendor reports where its build scripts put them."""
    prj = tmp_path / "pubpipe"
    shutil.copytree(DATA / "published" / "pubpipe", prj)
    for dst, src in reports.items():
        (prj / dst).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(VENDOR / src, prj / dst)
    return prj


def test_project_reads_vendor_reports_where_the_published_scripts_write_them(tmp_path: Path) -> None:
    prj = _published_with_reports(
        tmp_path,
        {
            "output_pubpipe/reports/pubpipe_post_synth_util.rpt": "vivado_post_synth_util_7series.rpt",
            "output_pubpipe/reports/pubpipe_post_route_util.rpt": "vivado_post_route_util.rpt",
            "output_pubpipe/reports/pubpipe_post_route_timing.rpt": "vivado_post_route_timing.rpt",
            "output_pubpipe/pubpipe.fit.summary": "mlp.fit.summary",
            "output_pubpipe/reports/pubpipe.sta.rpt": "mlp.sta.rpt",
            "output_pubpipe/test_ooc/syn/report/csynth.xml": "csynth.xml",
        },
    )
    warnings: list[str] = []
    row = read_project(prj, warnings.append)
    assert warnings == []
    assert row is not None
    assert row.vivado_stage == "post_route"  # the latest stage wins over post_synth
    assert (row.vivado_lut, row.vivado_ff, row.vivado_dsp, row.vivado_bram) == (3817, 1532, 2, 1.5)
    assert row.vivado_wns_ns == 1.25 and row.vivado_fmax_mhz == pytest.approx(1000 / 3.75)
    assert (row.quartus_alm, row.quartus_registers, row.quartus_dsp, row.quartus_fmax_mhz) == (2345, 1532, 0, 400.0)
    assert (row.hls_latency_cycles, row.hls_ii, row.hls_lut, row.hls_ff, row.hls_clock_ns) == (4, 1, 5310, 1204, 3.975)


def test_unparseable_vendor_files_are_warnings_naming_them(tmp_path: Path) -> None:
    prj = _published_with_reports(
        tmp_path,
        {
            "output_pubpipe/reports/pubpipe_post_route_util.rpt": "vivado_truncated_util.rpt",
            "output_pubpipe/reports/pubpipe_post_synth_util.rpt": "vivado_post_synth_util_7series.rpt",
            "output_pubpipe/pubpipe.fit.summary": "broken.fit.summary",
            "output_pubpipe/sol/syn/report/csynth.xml": "truncated_csynth.xml",
        },
    )
    warnings: list[str] = []
    row = read_project(prj, warnings.append)
    assert row is not None and row.cost == 74.0  # the rest of the row is still read
    named = {Path(w.split(": ", 1)[0]).name for w in warnings}
    assert named == {"pubpipe_post_route_util.rpt", "pubpipe.fit.summary", "csynth.xml"}, warnings
    assert all("cannot parse" in w for w in warnings)
    # the unreadable post-route report falls back to the readable post-synth one
    assert (row.vivado_stage, row.vivado_lut) == ("post_synth", 12045)
    assert row.quartus_alm is None and row.hls_lut is None


def test_truncated_and_corrupted_files_never_crash(tmp_path: Path) -> None:
    """Every fixture cut short at several points, and with bytes flipped, in place of a project's reports,
    program and metadata: read_project warns (naming the file) or reads it, and never raises."""
    import random

    rnd = random.Random(7)
    sources = {
        "output_pubpipe/reports/pubpipe_post_route_util.rpt": VENDOR / "vivado_post_route_util.rpt",
        "output_pubpipe/reports/pubpipe_post_route_timing.rpt": VENDOR / "vivado_post_route_timing.rpt",
        "output_pubpipe/pubpipe.fit.summary": VENDOR / "mlp.fit.summary",
        "output_pubpipe/reports/pubpipe.sta.rpt": VENDOR / "mlp.sta.rpt",
        "output_pubpipe/sol/syn/report/csynth.xml": VENDOR / "csynth.xml",
        "metadata.json": DATA / "published" / "pubpipe" / "metadata.json",
        "model/pipeline.json": DATA / "published" / "pubpipe" / "model" / "pipeline.json",
    }
    for trial in range(40):
        prj = _published_with_reports(tmp_path / f"t{trial}", {})
        for dst, src in sources.items():
            data = bytearray(src.read_bytes())
            if trial % 2:
                data = data[: rnd.randrange(len(data))]
            else:
                for _ in range(8):
                    data[rnd.randrange(len(data))] = rnd.choice(b"0123456789;|:{}[],.-x \n")
            (prj / dst).parent.mkdir(parents=True, exist_ok=True)
            (prj / dst).write_bytes(bytes(data))
        warnings: list[str] = []
        read_project(prj, warnings.append)  # must not raise
        assert all(str(prj) in w for w in warnings), warnings
