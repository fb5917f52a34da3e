"""einsum / matmul / dot on symbolic arrays.  A constant operand routes each contraction to CMVM
(`_cmvm_route`); two symbolic operands go through multipliers (DAIS MUL) and balanced adder trees."""

from __future__ import annotations

import string

import numpy as np

from . import fixed_variable as fv
from ._node import TraceError
from .cmvm_route import _cmvm_route
from .fixed_variable import FixedVariable
from .fixed_variable_array import FixedVariableArray, asarray_like


def _is_sym(x) -> bool:
    return isinstance(x, (FixedVariableArray, FixedVariable))


def _numeric(x) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype == object:
        raise TypeError("einsum/matmul operands must be symbolic arrays or numeric (constant) arrays")
    return a.astype(np.float64) if a.dtype.kind not in "f" else a


def _parse(subscripts: str, ndims: list[int]) -> tuple[list[str], str]:
    s = subscripts.replace(" ", "")
    ins, out = (s.split("->") + [None])[:2] if "->" in s else (s, None)
    in_list = ins.split(",")
    if len(in_list) != len(ndims):
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(in_list)} operands, got {len(ndims)}")
    used = {c for c in s if c.isalpha()}
    free = [c for c in string.ascii_letters if c not in used]
    n_ell = 0
    for sub, nd in zip(in_list, ndims):
        if "..." in sub:
            n_ell = max(n_ell, nd - (len(sub) - 3))
    ell = "".join(free[:n_ell])
    res = []
    for sub, nd in zip(in_list, ndims):
        if "..." in sub:
            n = nd - (len(sub) - 3)
            sub = sub.replace("...", ell[n_ell - n :])
        if len(sub) != nd:
            raise ValueError(f"einsum subscripts {sub!r} do not match an operand with {nd} dimensions")
        res.append(sub)
    if out is None:
        counts = {}
        for sub in res:
            for c in sub:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return res, out


def np_einsum(subscripts, *operands, **kwargs):
    for k in ("optimize", "dtype", "casting", "order"):
        kwargs.pop(k, None)
    if kwargs:
        raise TypeError(f"np.einsum keyword arguments {sorted(kwargs)} are not supported on symbolic arrays")
    if not isinstance(subscripts, str):
        raise TypeError("np.einsum on symbolic arrays takes the subscripts-string form")
    if len(operands) == 1:
        return einsum1(subscripts, operands[0])
    if len(operands) != 2:
        r = operands[0]
        subs, out = _parse(subscripts, [np.ndim(o) for o in operands])
        cur = subs[0]
        for j in range(1, len(operands)):
            rest = "".join(subs[j + 1 :]) + out
            keep = "".join(dict.fromkeys(c for c in cur + subs[j] if c in rest))
            r = einsum(f"{cur},{subs[j]}->{keep}", r, operands[j])
            cur = keep
        return einsum1(f"{cur}->{out}", r) if cur != out else r
    return einsum(subscripts, *operands)


def einsum1(subscripts: str, a):
    (sa,), so = _parse(subscripts, [np.ndim(a)])
    if len(set(sa)) != len(sa):
        raise TraceError(f"einsum {subscripts!r}: repeated labels within one operand (diagonals) are not supported")
    x = asarray_like(a)
    summed = tuple(j for j, c in enumerate(sa) if c not in so)
    if summed:
        x = np.sum(x, axis=summed)
        x = asarray_like(x)
        sa = "".join(c for c in sa if c in so)
    return x.transpose([sa.index(c) for c in so]) if so else x


def _sum_out(x, sub: str, keep: str):
    axes = tuple(j for j, c in enumerate(sub) if c not in keep)
    if not axes:
        return x, sub
    sub2 = "".join(c for c in sub if c in keep)
    if _is_sym(x):
        return asarray_like(np.sum(asarray_like(x), axis=axes)), sub2
    return np.sum(x, axis=axes), sub2


def _broadcast_labels(a, sa, b, sb):
    sizes: dict[str, int] = {}
    for x, s in ((a, sa), (b, sb)):
        for c, n in zip(s, np.shape(x)):
            if n != 1:
                if sizes.get(c, n) != n:
                    raise ValueError(f"einsum: label {c!r} has inconsistent sizes {sizes[c]} and {n}")
                sizes[c] = n

    def bc(x, s):
        tgt = tuple(sizes.get(c, 1) for c in s)
        if tgt == tuple(np.shape(x)):
            return x
        if _is_sym(x):
            return FixedVariableArray(np.broadcast_to(asarray_like(x)._vars, tgt), _clean=True)
        return np.broadcast_to(x, tgt)

    return bc(a, sa), bc(b, sb)


def einsum(subscripts: str, a, b):
    """Two-operand einsum; either operand may be a constant numpy array."""
    if not _is_sym(a) and not _is_sym(b):
        return np.einsum(subscripts, _numeric(a), _numeric(b))
    (sa, sb), so = _parse(subscripts, [np.ndim(a), np.ndim(b)])
    if len(set(sa)) != len(sa) or len(set(sb)) != len(sb):
        raise TraceError(f"einsum {subscripts!r}: repeated labels within one operand (diagonals) are not supported")
    a = a if _is_sym(a) else _numeric(a)
    b = b if _is_sym(b) else _numeric(b)
    a, sa = _sum_out(a, sa, sb + so)
    b, sb = _sum_out(b, sb, sa + so)
    a, b = _broadcast_labels(a, sa, b, sb)
    batch = [c for c in sa if c in sb and c in so]
    contract = [c for c in sa if c in sb and c not in so]
    afree = [c for c in sa if c not in sb]
    bfree = [c for c in sb if c not in sa]
    size = {c: n for s, x in ((sa, a), (sb, b)) for c, n in zip(s, np.shape(x))}
    nb = int(np.prod([size[c] for c in batch], dtype=np.int64))
    nfa = int(np.prod([size[c] for c in afree], dtype=np.int64))
    nfb = int(np.prod([size[c] for c in bfree], dtype=np.int64))
    nc = int(np.prod([size[c] for c in contract], dtype=np.int64))

    def arrange(x, s, order, shape):
        arr = asarray_like(x)._vars if _is_sym(x) else x
        return arr.transpose([s.index(c) for c in order]).reshape(shape)

    A = arrange(a, sa, batch + afree + contract, (nb, nfa, nc))
    B = arrange(b, sb, batch + contract + bfree, (nb, nc, nfb))
    out = np.empty((nb, nfa, nfb), dtype=object)
    so_ = _first_solver_options(a, b)
    for q in range(nb):
        if not _is_sym(b):
            for r in range(nfa):
                out[q, r, :] = _cmvm_route(list(A[q, r, :]), B[q], so_)
        elif not _is_sym(a):
            K = np.ascontiguousarray(A[q].T)
            for c in range(nfb):
                out[q, :, c] = _cmvm_route(list(B[q, :, c]), K, so_)
        else:
            from ._functions import _sum_list

            for r in range(nfa):
                for c in range(nfb):
                    out[q, r, c] = _sum_list([fv.mul(A[q, r, k], B[q, k, c]) for k in range(nc)])
    res = out.reshape(tuple(size[c] for c in batch + afree + bfree))
    order = batch + afree + bfree
    res = res.transpose([order.index(c) for c in so]) if so else res
    if res.ndim == 0:
        return res[()]
    return FixedVariableArray(np.ascontiguousarray(res), _clean=True)


def _first_solver_options(*xs):
    for x in xs:
        if _is_sym(x):
            return asarray_like(x).solver_options
    return None


def matmul(a, b):
    if not _is_sym(a) and not _is_sym(b):
        return np.matmul(a, b)
    na, nb_ = np.ndim(a), np.ndim(b)
    if na == 0 or nb_ == 0:
        raise ValueError("matmul: input operand does not have enough dimensions (use * for scalars)")
    if na == 1 and nb_ == 1:
        subs = "i,i->"
    elif na == 1:
        subs = "i,...ij->...j"
    elif nb_ == 1:
        subs = "...ij,j->...i"
    elif nb_ == 2:
        subs = "...ij,jk->...ik"
    elif na == 2:
        subs = "ij,...jk->...ik"
    else:
        subs = "...ij,...jk->...ik"
    sa, sb = np.shape(a), np.shape(b)
    if sa[-1] != (sb[0] if nb_ == 1 else sb[-2]):
        raise ValueError(f"matmul: shapes {tuple(sa)} and {tuple(sb)} are not aligned (inner dimensions differ)")
    return einsum(subs, a, b)


def dot(a, b, out=None):
    if out is not None:
        raise TypeError("np.dot(..., out=...) is not supported on symbolic arrays")
    na, nb_ = np.ndim(a), np.ndim(b)
    if na == 0 or nb_ == 0:
        return asarray_like(a) * b if _is_sym(a) else asarray_like(b) * a
    if nb_ <= 2:
        return matmul(a, b)
    la = string.ascii_lowercase[: na - 1]
    lb = string.ascii_uppercase[: nb_ - 1]
    return einsum(f"{la}z,{lb[:-1]}z{lb[-1]}->{la}{lb}", a, b)


def inner(a, b):
    na, nb_ = np.ndim(a), np.ndim(b)
    if na == 0 or nb_ == 0:
        return dot(a, b)
    la = string.ascii_lowercase[: na - 1]
    lb = string.ascii_uppercase[: nb_ - 1]
    return einsum(f"{la}z,{lb}z->{la}{lb}", a, b)


def tensordot(a, b, axes=2):
    na, nb_ = np.ndim(a), np.ndim(b)
    if isinstance(axes, (int, np.integer)):
        ax_a, ax_b = list(range(na - axes, na)), list(range(axes))
    else:
        ax_a, ax_b = (
            ([axes[0]] if isinstance(axes[0], int) else list(axes[0])),
            ([axes[1]] if isinstance(axes[1], int) else list(axes[1])),
        )
    ax_a = [x % na for x in ax_a]
    ax_b = [x % nb_ for x in ax_b]
    letters = iter(string.ascii_letters)
    la = [next(letters) for _ in range(na)]
    lb = [next(letters) for _ in range(nb_)]
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    out = [c for j, c in enumerate(la) if j not in ax_a] + [c for j, c in enumerate(lb) if j not in ax_b]
    return einsum(f"{''.join(la)},{''.join(lb)}->{''.join(out)}", a, b)
