"""The text of HLS C++: one function (what hls4ml inlines) and whole projects, as pure functions of the program
and the options. Python decides every type, name and expression (``lower``); the ``hls:`` templates lay out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from ...ir import MAX_VALUE_BITS, CombLogic, Opcode, Pipeline, kif_of
from ...project import (
    MANIFEST_NAME,
    Header,
    Lane,
    Manifest,
    Port,
    kif_rows,
    lanes_of,
    options_sha256,
    program_sha256,
)
from ...project.templates import render
from ..render import Design
from .cpp import AP_MAX_W, check_cpp_identifier, check_type, ctype, shifted, uniform_kif
from .lower import INP, OUT, FunctionView, lower_function

__all__ = [
    "FLAVORS",
    "BridgeView",
    "HLSOptions",
    "LaneIO",
    "Layout",
    "bridge_input_kifs",
    "bridge_symbol",
    "check_flavor",
    "hls_logic_and_bridge_gen",
    "render_function",
    "render_hls_project",
]

FLAVORS = ("vitis", "vivado")  # both compile the same ap_fixed C++; they differ in the tool that runs the TCL
_TOOL = {"vitis": "vitis_hls", "vivado": "vivado_hls"}
_FLOW_TARGET = {"vitis": "vivado", "vivado": None}  # Vitis HLS: a Vivado IP (not a Vitis kernel)
_ZERO_T = "ap_ufixed<1, 1>"  # the element type of an array none of whose lanes has bits (every value is 0)


def check_flavor(flavor: str) -> str:
    if flavor == "oneapi":
        raise NotImplementedError(
            "flavor 'oneapi' (Intel oneAPI, ac_fixed) is not implemented; use flavor='vitis' or 'vivado' (ap_fixed)"
        )
    if flavor not in FLAVORS:
        raise ValueError(f"flavor {flavor!r} is not one of {FLAVORS}")
    return flavor


@dataclass(frozen=True)
class Layout:
    """Indentation of a rendered function: ``outer`` the namespace line, ``base`` the signature, ``body`` the
    statements."""

    outer: str
    base: str
    body: str
    namespace: str


@dataclass(frozen=True)
class LaneIO:
    """One lane of the bridge: ``expr`` converts between the int64 lane integer and the array element."""

    index: int
    expr: str
    comment: str


@dataclass(frozen=True)
class BridgeView:
    symbol: str  # the extern "C" entry point
    call: str  # the C++ function it runs (a template instance or the project's top)
    include: str  # the header that declares it
    inp_t: str
    out_t: str
    n_in: int
    n_out: int
    n_in_array: int
    n_out_array: int
    inputs: tuple[LaneIO, ...]
    outputs: tuple[LaneIO, ...]


def bridge_symbol(name: str) -> str:
    return f"{name}_bridge_predict"


def array_type(kifs, what: str) -> str:
    """The element type of one C++ array carrying every lane of ``kifs`` exactly (``ap_fixed`` has one type
    per array); ValueError when no ap_fixed holds them all."""
    kif = uniform_kif(kif_rows(kifs))
    if kif is None:
        return _ZERO_T
    k, i, f = kif
    if k + i + f > AP_MAX_W:
        raise ValueError(
            f"{what}: one C++ array must hold every lane exactly, which needs (k={k}, i={i}, f={f}), "
            f"{k + i + f} bits; ap_fixed holds at most {AP_MAX_W} bits (AP_INT_MAX_W): HLS cannot express these "
            "lane types exactly in one array; give the lanes closer exponents (inp_shifts/out_shifts)"
        )
    check_type(kif, what)
    return ctype(kif)


def _lane_in(lane: Lane) -> LaneIO:
    kif = f"({lane.k},{lane.i},{lane.f})"
    if lane.width <= 0:
        return LaneIO(lane.lane, "0", f"input {lane.lane} {kif}: no bits")
    base = f"ap_fixed<{lane.width}, {lane.width}>" if lane.k else f"ap_ufixed<{lane.width}, {lane.width}>"
    return LaneIO(lane.lane, shifted(f"{base}(x[{lane.lane}])", -lane.f), f"input {lane.lane} {kif}")


def _lane_out(lane: Lane) -> LaneIO:
    kif = f"({lane.k},{lane.i},{lane.f})"
    if lane.width <= 0:
        return LaneIO(lane.lane, "0", f"output {lane.lane} {kif}: no bits")
    expr = shifted(f"{ctype(lane.kif)}({OUT}[{lane.lane}])", lane.f)
    return LaneIO(lane.lane, f"{expr}.to_int64()", f"output {lane.lane} {kif}")


def bridge_view(symbol: str, call: str, include: str, inp_t: str, out_t: str, inp_kifs, out_kifs) -> BridgeView:
    ins, outs = lanes_of(inp_kifs), lanes_of(out_kifs)
    return BridgeView(
        symbol=symbol,
        call=call,
        include=include,
        inp_t=inp_t,
        out_t=out_t,
        n_in=len(ins),
        n_out=len(outs),
        n_in_array=max(len(ins), 1),
        n_out_array=max(len(outs), 1),
        inputs=tuple(_lane_in(la) for la in ins),
        outputs=tuple(_lane_out(la) for la in outs),
    )


def bridge_input_kifs(comb: CombLogic) -> list[tuple[int, int, int]]:
    """The input lane types of a function's bridge: ``comb.inp_kifs``, widened where an input is read by
    several INPUT ops at different types, so that each lane carries every bit any of them keeps."""
    rows = kif_rows(comb.inp_kifs)
    for t, op in enumerate(comb.ops):
        if op.opcode != Opcode.INPUT:
            continue
        j = op.input_index
        k, i, f = kif_of(op.qint)
        if k + i + f <= 0:
            continue
        s = int(comb.inp_shifts[j])
        lk, li, lf = rows[j]
        if lk + li + lf <= 0:
            rows[j] = (k, i - s, f + s)
            continue
        # a lane carries a read when its step is as fine and its wrap-around point 2**(k+i) as high
        top, nk, nf = max(lk + li, k + i - s), max(lk, k), max(lf, f + s)
        if top + nf > MAX_VALUE_BITS:
            raise ValueError(
                f"op {t} reads input {j} at a type that, with the input's other reads, needs a {top + nf}-bit "
                f"lane; the bridge carries lanes of at most {MAX_VALUE_BITS} bits: read input {j} at one type"
            )
        rows[j] = (nk, top - nk, nf)
    return rows


def render_function(view: FunctionView, layout: Layout) -> str:
    return render("hls:function.hh.j2", fn=view, lay=layout, inp=INP, out=OUT)


def _notes(comb: CombLogic, print_latency: bool) -> tuple[str, ...]:
    notes = [f"da4ml DAIS program: {comb.shape[0]} inputs, {comb.shape[1]} outputs, {len(comb.ops)} ops"]
    if print_latency:
        lo, hi = comb.latency
        notes.append(f"latency {lo:g}..{hi:g} (adder levels), cost {comb.cost:g} LUTs (estimate)")
    return tuple(notes)


def _check_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name}={value!r} must be an integer >= 0 (spaces)")
    return value


def _check_pragmas(pragmas) -> tuple[str, ...]:
    if pragmas is None:
        return ()
    if isinstance(pragmas, str):
        raise TypeError(
            f"pragmas must be a sequence of lines (e.g. ['#pragma HLS INLINE']), got the string {pragmas!r}"
        )
    out = tuple(pragmas)
    for p in out:
        if not isinstance(p, str) or "\n" in p or not p.strip():
            raise ValueError(f"pragma {p!r} must be one non-empty line of text (it is pasted verbatim)")
    return out


def hls_logic_and_bridge_gen(
    comb: CombLogic | Pipeline,
    fn_name: str,
    flavor: str = "vitis",
    pragmas: Sequence[str] | None = None,
    n_indent: int = 4,
    n_base_indent: int = 0,
    print_latency: bool = False,
    namespace: str = "",
) -> tuple[str, str]:
    """``(fn_str, bridge_str)``: HLS C++ of one program, as hls4ml's ``distributed_arithmetic`` strategy inlines it.

    ``fn_str`` starts and ends with a newline and defines
    ``template <typename inp_t, typename out_t> void fn_name(inp_t model_inp[N], out_t model_out[M])``
    (inside ``namespace`` when one is given): the ``pragmas`` (lines pasted verbatim) come first, then one
    statement per live DAIS op; input ``j`` is read by a statement ending exactly ``model_inp[j];``. The
    outputs are assigned to ``out_t`` (which floors and wraps as ap_fixed does). A Pipeline is emitted as the
    one program its stages compute (``Pipeline.flatten``).

    ``bridge_str`` is a C++ file for C-simulation: it includes ``<ap_fixed.h>`` and ``"<fn_name>.hh"`` (a
    header holding ``fn_str``), instantiates the function with array types that hold every input and
    output lane exactly, and exports ``extern "C" void <fn_name>_bridge_predict(const int64_t *inp, int64_t
    *out, size_t n)`` over lane integers (``x * 2**f`` of ``comb.inp_kifs`` / ``comb.out_kifs``).

    ``n_indent`` is the indentation step and ``n_base_indent`` the indentation of the signature, in spaces.
    A program that ap_fixed cannot express exactly raises ValueError naming the op.
    """
    check_flavor(flavor)
    check_cpp_identifier(fn_name, "fn_name")
    step = " " * _check_int(n_indent, "n_indent")
    base = " " * _check_int(n_base_indent, "n_base_indent")
    if not isinstance(namespace, str):
        raise TypeError(f"namespace={namespace!r} must be a string ('' for none)")
    if namespace:
        check_cpp_identifier(namespace, "namespace")
    if isinstance(comb, Pipeline):
        comb = comb.flatten()
    if not isinstance(comb, CombLogic):
        raise TypeError(f"comb must be a da4ml CombLogic or Pipeline, got {type(comb).__name__}")
    binary = bytes(comb.to_binary().astype("<i4").tobytes())  # validates the program
    view = lower_function(comb, fn_name, _check_pragmas(pragmas), _notes(comb, print_latency))
    inner = base + step if namespace else base
    fn_str = render_function(view, Layout(base, inner, inner + step, namespace))

    qualified = f"{namespace}::{fn_name}" if namespace else fn_name
    bridge_in = bridge_input_kifs(comb)
    inp_t = array_type(bridge_in, f"{fn_name}: the bridge's input array")
    out_t = array_type(comb.out_kifs, f"{fn_name}: the bridge's output array")
    opts = {"fn_name": fn_name, "flavor": flavor, "namespace": namespace, "pragmas": list(view.pragmas)}
    header = Header("da4ml.codegen.hls", program_sha256([binary]), options_sha256(opts), (f"bridge of {fn_name}",))
    br = bridge_view(
        bridge_symbol(fn_name),
        f"{qualified}<{inp_t}, {out_t}>",
        f"{fn_name}.hh",
        inp_t,
        out_t,
        bridge_in,
        comb.out_kifs,
    )
    bridge_str = render("hls:bridge.cc.j2", header=header, br=br, inp=INP, out=OUT)
    return fn_str, bridge_str


# -- projects --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HLSOptions:
    """Everything besides the program that changes an HLS project's files (hashed into every header)."""

    prj_name: str
    flavor: str
    latency_cutoff: float
    part_name: str
    clock_period: float
    clock_uncertainty: float

    def sha256(self) -> str:
        return options_sha256(asdict(self))


@dataclass(frozen=True)
class ProjectView:
    top: str
    about: str
    guard: str
    inp_t: str
    out_t: str
    n_in: int
    n_out: int
    mid_types: tuple[tuple[str, str], ...]
    mids: tuple[tuple[str, str, int], ...]
    functions: tuple[str, ...]
    calls: tuple[str, ...]


@dataclass(frozen=True)
class TclView:
    tool: str
    top: str
    hls_dir: str
    sources: tuple[str, ...]
    flow_target: str | None
    part_name: str
    clock_period: float
    clock_uncertainty: float


def header_of(opts: HLSOptions, design: Design, about: str) -> Header:
    return Header("da4ml.codegen.hls", design.program_sha256, opts.sha256(), (about,))


def _project_view(design: Design, opts: HLSOptions, about: str) -> ProjectView:
    top = opts.prj_name
    stages = design.stages
    kifs = design.kifs
    inp_t = array_type(kifs[0][0], f"{top}: the top's input array")
    out_t = array_type(kifs[-1][1], f"{top}: the top's output array")
    functions, calls, mid_types, mids = [], [], [], []
    layout = Layout("", "", "    ", "")
    src_t, src = f"{top}_inp_t", INP
    for s, stage in enumerate(stages):
        last = s == len(stages) - 1
        name = f"{top}_logic" if len(stages) == 1 else f"{top}_stage{s}"
        # stage 0 reads the port lanes the bridge quantizes to; later stages read exact values of the last
        view = lower_function(
            stage,
            name,
            ("#pragma HLS INLINE",),
            _notes(stage, True) + ((f"stage {s} of {len(stages)}",) if len(stages) > 1 else ()),
            inp_kifs=kifs[0][0] if s == 0 else None,
        )
        functions.append(render_function(view, layout))
        if last:
            dst_t, dst = f"{top}_out_t", OUT
        else:
            dst_t, dst = f"{top}_mid{s}_t", f"mid{s}"
            mid_types.append((dst_t, array_type(kifs[s][1], f"{top}: the array between stages {s} and {s + 1}")))
            mids.append((dst_t, dst, max(int(stage.shape[1]), 1)))
        calls.append(f"{name}<{src_t}, {dst_t}>({src}, {dst});")
        src_t, src = dst_t, dst
    return ProjectView(
        top=top,
        about=about,
        guard=f"{top.upper()}_HH_",
        inp_t=inp_t,
        out_t=out_t,
        n_in=max(len(kifs[0][0]), 1),
        n_out=max(len(kifs[-1][1]), 1),
        mid_types=tuple(mid_types),
        mids=tuple((name, t, n) for t, name, n in mids),
        functions=tuple(functions),
        calls=tuple(calls),
    )


def render_hls_project(design: Design, opts: HLSOptions) -> tuple[dict[str, bytes], Manifest]:
    """``({relative path: content}, manifest)`` of the HLS project; byte-identical for identical inputs."""
    top = opts.prj_name
    n = len(design.stages)
    about = f"HLS top {top}: {n} DAIS stage(s), flavor {opts.flavor} (ap_fixed C++)"
    header = header_of(opts, design, about)
    p = _project_view(design, opts, about)
    sources = (f"src/{top}.cc", f"src/{top}.hh")
    files: dict[str, bytes] = {
        sources[1]: render("hls:project.hh.j2", header=header, p=p, inp=INP, out=OUT).encode(),
        sources[0]: render("hls:top.cc.j2", header=header, p=p, inp=INP, out=OUT).encode(),
    }
    # the bridge includes the top's definition: one translation unit (ap_types is parsed once)
    br = bridge_view(
        bridge_symbol(top), top, f"{top}.cc", f"{top}_inp_t", f"{top}_out_t", design.kifs[0][0], design.kifs[-1][1]
    )
    files[f"src/{top}_bridge.cc"] = render(
        "hls:bridge.cc.j2", header=header.with_about(f"C-simulation bridge of {top}"), br=br, inp=INP, out=OUT
    ).encode()
    tcl = TclView(
        tool=_TOOL[opts.flavor],
        top=top,
        hls_dir=f"{top}_{opts.flavor}_hls",
        sources=(f"{top}.cc",),
        flow_target=_FLOW_TARGET[opts.flavor],
        part_name=opts.part_name,
        clock_period=opts.clock_period,
        clock_uncertainty=opts.clock_uncertainty,
    )
    files["src/build_vitis_hls.tcl"] = render("hls:build_vitis_hls.tcl.j2", header=header, t=tcl).encode()
    dais = ["model.dais"] if n == 1 else [f"model_stage{k}.dais" for k in range(n)]
    for name, blob in zip(dais, design.binaries):
        files[name] = blob
    manifest = Manifest(
        top=top,
        language="hls",
        latency_cycles=0,  # the HLS tool schedules the registers (PIPELINE II=1): its report says how many
        clock=None,
        clock_period_ns=float(opts.clock_period),
        input_port=Port.packed(INP, design.kifs[0][0]),
        output_port=Port.packed(OUT, design.kifs[-1][1]),
        dais=tuple(dais),
        sources=sources,
        program_sha256=design.program_sha256,
        options_sha256=opts.sha256(),
    )
    files[MANIFEST_NAME] = manifest.to_json()
    return files, manifest
