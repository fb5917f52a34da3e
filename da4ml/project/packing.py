"""The one lane packer: lane integers <-> the words of a flat port (lane 0 at the LSBs), vectorized.

Lane values are integers (int64; an object array of Python ints for lanes wider than 63 bits). Packing keeps
each lane's low ``width`` bits (two's complement), so a value outside the lane's range wraps; unpacking
sign-extends signed lanes. Ports are words of 32 bits (the Verilator harness) or 64 bits, little endian, or
one Python int per sample (what a simulator is driven with).
"""

from __future__ import annotations

import numpy as np

from .lanes import Port

__all__ = ["n_words", "pack", "pack_ints", "unpack", "unpack_int"]

_WORD_DTYPES = {32: np.dtype("<u4"), 64: np.dtype("<u8")}
_FAST_WIDTH = 63  # lanes up to this width go through int64 arithmetic; wider ones through Python ints


def n_words(width: int, word_bits: int) -> int:
    """Words of ``word_bits`` bits that hold a port of ``width`` bits (at least one)."""
    return max((width + word_bits - 1) // word_bits, 1)


def _dtype(word_bits: int) -> np.dtype:
    try:
        return _WORD_DTYPES[word_bits]
    except KeyError:
        raise ValueError(f"word_bits={word_bits!r}: ports are packed into 32- or 64-bit words") from None


def _wide(port: Port) -> bool:
    return any(la.width > _FAST_WIDTH for la in port.lanes)


def _check(values: np.ndarray, port: Port) -> None:
    if values.ndim != 2 or values.shape[1] != len(port.lanes):
        raise ValueError(
            f"lane values must be shaped (batch, {len(port.lanes)}) for port {port.name}, got {values.shape}"
        )
    end = max((la.offset + la.width for la in port.lanes if la.width > 0), default=0)
    if end > port.width:
        raise ValueError(f"port {port.name} is {port.width} bits wide but its lanes reach bit {end - 1}")


def _pack64(values: np.ndarray, port: Port) -> np.ndarray:
    """(batch, n64) uint64 words of the port."""
    batch, n64 = values.shape[0], n_words(port.width, 64)
    if _wide(port) or values.dtype == object:
        rows = []
        for row in values.tolist():
            acc = 0
            for la, v in zip(port.lanes, row):
                if la.width > 0:
                    acc |= (int(v) & ((1 << la.width) - 1)) << la.offset
            rows.append(acc.to_bytes(8 * n64, "little"))
        return np.frombuffer(b"".join(rows), dtype="<u8").reshape(batch, n64).astype(np.uint64)
    words = np.zeros((batch, n64 + 1), dtype=np.uint64)  # a spare word for a lane crossing the last boundary
    for j, la in enumerate(port.lanes):
        if la.width <= 0:
            continue
        v = (values[:, j].astype(np.int64) & np.int64((1 << la.width) - 1)).astype(np.uint64)
        idx, bit = divmod(la.offset, 64)
        words[:, idx] |= v << np.uint64(bit)
        if bit + la.width > 64:  # the lane continues in the next word
            words[:, idx + 1] |= v >> np.uint64(64 - bit)
    return words[:, :n64]


def pack(values, port: Port, word_bits: int = 32) -> np.ndarray:
    """``(batch, n_words)`` unsigned words (``word_bits`` 32 or 64) of the port holding lane integers
    ``values`` ``(batch, n_lanes)``."""
    dtype = _dtype(word_bits)
    values = np.asarray(values)
    _check(values, port)
    words = np.ascontiguousarray(_pack64(values, port).astype("<u8"))
    if word_bits == 64:
        return words.astype(np.uint64)
    return words.view(dtype).reshape(values.shape[0], -1)[:, : n_words(port.width, 32)].astype(np.uint32)


def pack_ints(values, port: Port) -> list[int]:
    """One non-negative int per sample: the port's bits for lane integers ``values`` ``(batch, n_lanes)``."""
    values = np.asarray(values)
    _check(values, port)
    n64 = n_words(port.width, 64)
    raw = np.ascontiguousarray(_pack64(values, port).astype("<u8")).tobytes()
    size = 8 * n64
    return [int.from_bytes(raw[k : k + size], "little") for k in range(0, len(raw), size)]


def _words64(words: np.ndarray, word_bits: int) -> np.ndarray:
    """(batch, n64 + 1) uint64: the port words regrouped into 64-bit words plus a zero spare word."""
    dtype = _dtype(word_bits)
    words = np.ascontiguousarray(np.asarray(words).astype(dtype))
    if words.ndim != 2:
        raise ValueError(f"port words must be shaped (batch, n_words), got {words.shape}")
    batch = words.shape[0]
    per = 64 // word_bits
    n64 = -(-words.shape[1] // per)
    padded = np.zeros((batch, (n64 + 1) * per), dtype=dtype)
    padded[:, : words.shape[1]] = words
    return padded.view("<u8").reshape(batch, n64 + 1).astype(np.uint64)


def unpack(words, port: Port, word_bits: int = 32) -> np.ndarray:
    """Lane integers ``(batch, n_lanes)`` (int64; object for lanes wider than 63 bits) of port words
    ``(batch, n_words)`` of ``word_bits`` bits; signed lanes are sign-extended."""
    w64 = _words64(words, word_bits)
    batch = w64.shape[0]
    if _wide(port):
        out = np.zeros((batch, len(port.lanes)), dtype=object)
        for s, row in enumerate(np.ascontiguousarray(w64.astype("<u8"))):
            out[s, :] = unpack_int(int.from_bytes(row.tobytes(), "little"), port)
        return out
    out = np.zeros((batch, len(port.lanes)), dtype=np.int64)
    for j, la in enumerate(port.lanes):
        if la.width <= 0:
            continue
        idx, bit = divmod(la.offset, 64)
        u = w64[:, idx] >> np.uint64(bit)
        if bit + la.width > 64:
            u |= w64[:, idx + 1] << np.uint64(64 - bit)
        drop = 64 - la.width
        u = u << np.uint64(drop)  # the lane's top bit at bit 63; shifting back sign-extends or zero-fills
        out[:, j] = (u.view(np.int64) >> np.int64(drop)) if la.signed else (u >> np.uint64(drop)).view(np.int64)
    return out


def unpack_int(word: int, port: Port) -> list[int]:
    """Lane integers of one port value (a non-negative int); signed lanes are sign-extended."""
    out = []
    for la in port.lanes:
        if la.width <= 0:
            out.append(0)
            continue
        v = (word >> la.offset) & ((1 << la.width) - 1)
        if la.signed and v >> (la.width - 1):
            v -= 1 << la.width
        out.append(v)
    return out
