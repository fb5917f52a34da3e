"""JSON form of programs: everything the binary holds, plus each op's exact interval, latency and cost, and the
program's ``exact_intervals`` claim.  This module maps objects to and from the fields of ``CombLogic`` (which
builds itself from them), so it sits below comb_logic and pipeline.

Format version 2 writes each op's interval as its exact integer bounds ``[lo, hi, f]`` (values ``lo..hi`` in
steps of ``2**-f``); version 1 (read only) wrote ``[min, max, step]`` as floats, which are exact only up to
53 bits."""

from __future__ import annotations

import json
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


def loads(text: str) -> dict:
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


def _qint(raw: list, exact: bool) -> QInterval:
    if not exact:
        return QInterval(*raw)  # version 1: (min, max, step) floats, read exactly as the floats they are
    lo, hi, f = raw
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (lo, hi, f)):
        raise ValueError(f"interval {raw!r} must be three integers [lo, hi, f]")
    return QInterval.from_bounds(lo, hi, f)


def comb_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """The CombLogic fields of a JSON object (``CombLogic.from_json_dict`` builds and validates the program)."""
    if obj.get("format") != "da4ml.CombLogic":
        raise ValueError(f"expected a da4ml.CombLogic JSON object, got format {obj.get('format')!r}")
    exact = obj.get("version", FORMAT_VERSION) >= 2
    try:
        ops = [
            Op(id0, id1, opcode, data, _qint(qint, exact), lat, cost)
            for id0, id1, opcode, data, qint, lat, cost in obj["ops"]
        ]
        fields = {
            "shape": tuple(obj["shape"]),
            "inp_shifts": list(obj["inp_shifts"]),
            "out_idxs": list(obj["out_idxs"]),
            "out_shifts": list(obj["out_shifts"]),
            "out_negs": list(obj["out_negs"]),
            "ops": ops,
            "carry_size": obj["carry_size"],
            "adder_size": obj["adder_size"],
            "lookup_tables": tuple(tuple(t) for t in obj["lookup_tables"]),
            "exact_intervals": obj.get("exact_intervals", False),
        }
        if not isinstance(fields["exact_intervals"], bool):
            raise TypeError(f"exact_intervals={fields['exact_intervals']!r} is not a bool")
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"malformed da4ml.CombLogic JSON: {err!r}") from None
    return fields


def pipeline_to_dict(pipe: Pipeline) -> dict[str, Any]:
    return {"format": "da4ml.Pipeline", "version": FORMAT_VERSION, "stages": [comb_to_dict(c) for c in pipe]}


def pipeline_stages(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The stage objects of a JSON pipeline (``Pipeline.load`` builds each with ``CombLogic.from_json_dict``)."""
    if obj.get("format") != "da4ml.Pipeline":
        raise ValueError(f"expected a da4ml.Pipeline JSON object, got format {obj.get('format')!r}")
    return list(obj["stages"])
