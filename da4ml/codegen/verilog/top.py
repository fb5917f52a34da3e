"""The pipelined top: stage modules chained through register layers (II = 1, no reset, no enable)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...project import Header, Lane, bus_width, lanes_of
from .signals import NetList, Sig, zeros

__all__ = ["Inst", "PipelineTopView", "Reg", "lower_top"]


@dataclass(frozen=True)
class Reg:
    name: str
    width: int
    src: str
    comment: str
    kind: str = "reg"

    @property
    def range(self) -> str:
        return f"[{self.width - 1}:0]"


@dataclass(frozen=True)
class Inst:
    module: str
    name: str
    inp: str
    out: str
    out_width: int
    comment: str
    kind: str = "inst"


@dataclass
class PipelineTopView:
    name: str
    header: Header
    in_width: int
    out_width: int
    in_lanes: Sequence[Lane]
    out_lanes: Sequence[Lane]
    latency_cycles: int
    blocks: list  # Reg / Inst in dataflow order
    regs: list[Reg]
    out_expr: str
    unused: str | None


def _bus_expr(net: NetList, src: Sig | None, src_lanes: Sequence[Lane], dst_lanes: Sequence[Lane]) -> str:
    """The destination bus built lane by lane from the source bus (rescaled/wrapped where types differ)."""
    width = bus_width(dst_lanes)
    if width == 0:
        return zeros(1)
    if src is not None and [ln.kif for ln in src_lanes] == [ln.kif for ln in dst_lanes]:
        return net.ref(src)  # same lanes, same types: the bus as is
    parts = []
    for s_lane, d_lane in zip(src_lanes, dst_lanes):
        if d_lane.width <= 0:
            continue
        if src is None or s_lane.width <= 0:
            parts.append(zeros(d_lane.width))
            continue
        lane_sig = Sig(src.name, s_lane.width, s_lane.signed, s_lane.f, s_lane.offset)
        parts.append(net.fit(lane_sig, d_lane.f, d_lane.width))
    parts.reverse()  # lane 0 at the LSBs
    if len(parts) == 1:
        return parts[0]
    return "{" + ", ".join(parts) + "}"


def lower_top(
    name: str,
    header: Header,
    stage_modules: Sequence[str],
    stage_kifs: Sequence[tuple[Sequence, Sequence]],
    register_layers: int,
) -> PipelineTopView:
    """``stage_kifs[k] = (inp_kifs, out_kifs)`` of stage ``k``; one register layer between stages and
    ``register_layers`` layers on the inputs and on the outputs."""
    net = NetList()
    in_lanes = lanes_of(stage_kifs[0][0])
    out_lanes = lanes_of(stage_kifs[-1][1])
    in_w, out_w = bus_width(in_lanes), bus_width(out_lanes)
    net.track("model_inp", max(in_w, 1))
    net.track("clk", 1)
    blocks: list = []
    regs: list[Reg] = []

    cur: Sig | None = Sig("model_inp", in_w, False, 0) if in_w else None
    cur_lanes = in_lanes
    for r in range(register_layers):
        if cur is None:
            break
        reg = Reg(f"inp_r{r}", in_w, net.ref(cur), f"input register layer {r}")
        net.track(reg.name, in_w)
        regs.append(reg)
        blocks.append(reg)
        cur = Sig(reg.name, in_w, False, 0)

    latency = register_layers
    for k, (module, (inp_kifs, out_kifs)) in enumerate(zip(stage_modules, stage_kifs)):
        s_in = lanes_of(inp_kifs)
        s_out = lanes_of(out_kifs)
        if k > 0:
            w = bus_width(s_in)
            if w:
                reg = Reg(f"s{k}_in", w, _bus_expr(net, cur, cur_lanes, s_in), f"stage {k - 1} -> {k} register")
                net.track(reg.name, w)
                regs.append(reg)
                blocks.append(reg)
                cur = Sig(reg.name, w, False, 0)
            else:
                cur = None
            cur_lanes = s_in
            latency += 1
        inp = _bus_expr(net, cur, cur_lanes, s_in)
        ow = max(bus_width(s_out), 1)
        out_name = f"s{k}_out"
        net.track(out_name, ow)
        blocks.append(
            Inst(module, f"stage{k}", inp, out_name, ow, f"stage {k}: {len(inp_kifs)} in, {len(out_kifs)} out")
        )
        cur = Sig(out_name, ow, False, 0) if bus_width(s_out) else None
        cur_lanes = s_out

    for r in range(register_layers):
        if cur is None:
            break
        reg = Reg(f"out_r{r}", out_w, net.ref(cur), f"output register layer {r}")
        net.track(reg.name, out_w)
        regs.append(reg)
        blocks.append(reg)
        cur = Sig(reg.name, out_w, False, 0)
    latency += register_layers
    out_expr = _bus_expr(net, cur, cur_lanes, out_lanes)
    if regs:
        net.use(Sig("clk", 1, False, 0), 0, 0)
    return PipelineTopView(
        name=name,
        header=header,
        in_width=max(in_w, 1),
        out_width=max(out_w, 1),
        in_lanes=in_lanes,
        out_lanes=out_lanes,
        latency_cycles=latency,
        blocks=blocks,
        regs=regs,
        out_expr=out_expr,
        unused=net.unused_expr(),
    )
