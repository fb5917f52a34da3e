"""JSON form of programs: everything the binary holds, plus each op's exact interval, latency and cost, and the
program's ``exact_intervals`` claim.  This module maps objects to and from the fields of ``CombLogic`` (which
builds itself from them), so it sits below comb_logic and pipeline.

Format version 2 writes each op's interval as its exact integer bounds ``[lo, hi, f]`` (values ``lo..hi`` in
steps of ``2**-f``); version 1 (read only) wrote ``[min, max, step]`` as floats, which are exact only up to
53 bits."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from .fixed import QInterval
from .op import Op

if TYPE_CHECKING:
    from .comb_logic import CombLogic
    from .pipeline import Pipeline

FORMAT_VERSION = 2
READ_VERSIONS = (1, 2)


def dumps(obj: dict) -> str:
    return json.dumps(obj, indent=1, sort_keys=True) + "\n"


def loads(text: str | bytes) -> dict:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(
                "not a da4ml JSON program: the file is not UTF-8 text (a DAIS binary? read it with "
                "CombLogic.load_binary)"
            ) from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"not a da4ml JSON program: {err}") from None
    if not isinstance(obj, dict) or obj.get("version") not in READ_VERSIONS:
        version = obj.get("version") if isinstance(obj, dict) else None
        raise ValueError(
            f"not a da4ml JSON program of format version {' or '.join(map(str, READ_VERSIONS))} (got version "
            f"{version!r}); save it again with this da4ml"
        )
    return obj


def comb_to_dict(comb: CombLogic) -> dict[str, Any]:
    return {
        "format": "da4ml.CombLogic",
        "version": FORMAT_VERSION,
        "shape": [int(v) for v in comb.shape],
        "inp_shifts": [int(v) for v in comb.inp_shifts],
        "out_idxs": [int(v) for v in comb.out_idxs],
        "out_shifts": [int(v) for v in comb.out_shifts],
        "out_negs": [bool(v) for v in comb.out_negs],
        "carry_size": int(comb.carry_size),
        "adder_size": int(comb.adder_size),
        "lookup_tables": [[int(v) for v in table] for table in comb.lookup_tables],
        "exact_intervals": bool(comb.exact_intervals),
        "ops": [
            [int(op.id0), int(op.id1), int(op.opcode), int(op.data), list(QInterval(*op.qint).bounds)]
            + [float(op.latency), float(op.cost)]
            for op in comb.ops
        ],
    }


_I32 = (-(2**31), 2**31 - 1)
_I64 = (-(2**63), 2**63 - 1)


def _int(v: Any, what: str, bounds: tuple[int, int] = _I32) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"{what}={v!r} must be an integer")  # noqa: TRY004 (malformed data, not a wrong argument)
    if not bounds[0] <= v <= bounds[1]:
        raise ValueError(f"{what}={v} is outside [{bounds[0]}, {bounds[1]}]")
    return v


def _list(v: Any, what: str) -> list:
    if not isinstance(v, list):
        raise ValueError(f"{what}={v!r} must be a list")  # noqa: TRY004 (malformed data, not a wrong argument)
    return v


def _ints(v: Any, what: str, bounds: tuple[int, int] = _I32) -> list[int]:
    return [_int(x, f"{what}[{j}]", bounds) for j, x in enumerate(_list(v, what))]


def _bool(v: Any, what: str) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"{what}={v!r} must be true or false")  # noqa: TRY004 (malformed data, not a wrong argument)
    return v


def _real(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
        raise ValueError(f"{what}={v!r} must be a finite number")
    return float(v)


def _qint(raw: Any, exact: bool, what: str) -> QInterval:
    raw = _list(raw, what)
    if len(raw) != 3:
        raise ValueError(f"{what}={raw!r} must have three entries")
    if not exact:  # version 1: (min, max, step) floats, read exactly as the floats they are
        return QInterval(*(_real(v, f"{what}[{j}]") for j, v in enumerate(raw)))
    lo, hi, f = raw
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (lo, hi, f)):
        raise ValueError(f"{what}={raw!r} must be three integers [lo, hi, f]")
    _int(f, f"{what} f")
    return QInterval.from_bounds(lo, hi, f)


def _op(raw: Any, exact: bool, t: int) -> Op:
    what = f"ops[{t}]"
    raw = _list(raw, what)
    if len(raw) != 7:
        raise ValueError(f"{what} has {len(raw)} entries; an op is [id0, id1, opcode, data, interval, latency, cost]")
    id0, id1, opcode, data, qint, lat, cost = raw
    return Op(
        _int(id0, f"{what} id0"),
        _int(id1, f"{what} id1"),
        _int(opcode, f"{what} opcode"),
        _int(data, f"{what} data", _I64),
        _qint(qint, exact, f"{what} interval"),
        _real(lat, f"{what} latency"),
        _real(cost, f"{what} cost"),
    )


def comb_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """The CombLogic fields of a JSON object (``CombLogic.from_json_dict`` builds and validates the program);
    every field is checked for its JSON type and range first, so a wrong one is named, never truncated."""
    if not isinstance(obj, dict) or obj.get("format") != "da4ml.CombLogic":
        got = obj.get("format") if isinstance(obj, dict) else type(obj).__name__
        raise ValueError(f"expected a da4ml.CombLogic JSON object, got format {got!r}")
    version = obj.get("version", FORMAT_VERSION)
    if version not in READ_VERSIONS:
        raise ValueError(f"da4ml.CombLogic JSON version {version!r} is not one of {READ_VERSIONS}")
    exact = version >= 2
    try:
        missing = sorted(set(_FIELDS) - set(obj))
        if missing:
            raise ValueError(f"missing field(s) {', '.join(missing)}")
        shape = _ints(obj["shape"], "shape", (0, _I32[1]))
        if len(shape) != 2:
            raise ValueError(f"shape={obj['shape']!r} must be [n_in, n_out]")
        fields = {
            "shape": tuple(shape),
            "inp_shifts": _ints(obj["inp_shifts"], "inp_shifts"),
            "out_idxs": _ints(obj["out_idxs"], "out_idxs"),
            "out_shifts": _ints(obj["out_shifts"], "out_shifts"),
            "out_negs": [_bool(v, f"out_negs[{j}]") for j, v in enumerate(_list(obj["out_negs"], "out_negs"))],
            "ops": [_op(raw, exact, t) for t, raw in enumerate(_list(obj["ops"], "ops"))],
            "carry_size": _int(obj["carry_size"], "carry_size"),
            "adder_size": _int(obj["adder_size"], "adder_size"),
            "lookup_tables": tuple(
                tuple(_ints(t, f"lookup_tables[{j}]"))
                for j, t in enumerate(_list(obj["lookup_tables"], "lookup_tables"))
            ),
            "exact_intervals": _bool(obj.get("exact_intervals", False), "exact_intervals"),
        }
    except ValueError as err:
        raise ValueError(f"malformed da4ml.CombLogic JSON: {err}") from None
    return fields


_FIELDS = (
    "shape",
    "inp_shifts",
    "out_idxs",
    "out_shifts",
    "out_negs",
    "ops",
    "carry_size",
    "adder_size",
    "lookup_tables",
)


def pipeline_to_dict(pipe: Pipeline) -> dict[str, Any]:
    return {"format": "da4ml.Pipeline", "version": FORMAT_VERSION, "stages": [comb_to_dict(c) for c in pipe]}


def pipeline_stages(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The stage objects of a JSON pipeline (``Pipeline.load`` builds each with ``CombLogic.from_json_dict``)."""
    if obj.get("format") != "da4ml.Pipeline":
        raise ValueError(f"expected a da4ml.Pipeline JSON object, got format {obj.get('format')!r}")
    stages = obj.get("stages")
    if not isinstance(stages, list) or not stages:
        raise ValueError(f"malformed da4ml.Pipeline JSON: stages={stages!r} must be a non-empty list of programs")
    return stages
