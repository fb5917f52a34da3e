"""einsum / matmul / dot / inner / tensordot on symbolic arrays.  A constant operand routes each contraction to
CMVM (`_cmvm_route`); two symbolic operands go through multipliers (DAIS MUL) and balanced adder trees."""

from __future__ import annotations

import string

import numpy as np

from ._args import check_default, check_dtype, check_ufunc_kwargs, store
from ._arith import mul, sum_values
from ._errors import TraceError
from ._registry import implements, implements_ufunc
from .cmvm_route import _cmvm_route
from .fixed_variable import FixedVariable
from .fixed_variable_array import FixedVariableArray, asarray


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
    bad = sorted({c for c in s.replace("...", "").replace("->", "") if not (c.isascii() and c.isalpha()) and c != ","})
    if bad:
        raise ValueError(
            f"einsum subscripts {subscripts!r}: {', '.join(map(repr, bad))} is not a subscript label; "
            "labels are ASCII letters (a-z, A-Z), operands are separated by ',', '...' stands for broadcast axes"
        )
    if out is not None and "," in out:
        raise ValueError(f"einsum subscripts {subscripts!r}: the output after '->' is one operand (no ',')")
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
        labels = {c for sub in res for c in sub}
        missing = sorted({c for c in out if c not in labels})
        if missing:
            raise ValueError(
                f"einsum subscripts {subscripts!r}: output label(s) {', '.join(map(repr, missing))} appear in no "
                "operand; every output label must name an axis of an input"
            )
        twice = sorted({c for c in out if out.count(c) > 1})
        if twice:
            raise ValueError(
                f"einsum subscripts {subscripts!r}: output label(s) {', '.join(map(repr, twice))} repeated; each "
                "output label names one axis of the result"
            )
    return res, out


@implements(np.einsum)
def np_einsum(subscripts, *operands, out=None, optimize=False, dtype=None, order="K", casting="safe"):
    """np.einsum on symbolic operands.  ``optimize``: with more than two operands, the contraction order numpy's
    einsum_path picks (False: left to right); ``out``: a FixedVariableArray to write the result into."""
    check_dtype(dtype, "np.einsum")
    check_default("np.einsum", "order", order, "K")
    check_default("np.einsum", "casting", casting, "safe")
    if not isinstance(subscripts, str):
        raise TypeError("np.einsum on symbolic arrays takes the subscripts-string form")
    return store(_einsum_n(subscripts, list(operands), optimize), out, "np.einsum")


def _einsum_n(subscripts: str, operands: list, optimize):
    if len(operands) == 1:
        return einsum1(subscripts, operands[0])
    if len(operands) == 2:
        return einsum(subscripts, *operands)
    subs, out = _parse(subscripts, [np.ndim(o) for o in operands])
    if optimize is False:
        path = [(0, 1)] * (len(operands) - 1)  # left to right: the running result is always operand 0
        terms = list(zip(subs, operands))
        for _ in path:
            (s0, r0), (s1, r1) = terms[0], terms[1]
            rest = "".join(s for s, _ in terms[2:]) + out
            keep = "".join(dict.fromkeys(c for c in s0 + s1 if c in rest))
            terms[:2] = [(keep, einsum(f"{s0},{s1}->{keep}", r0, r1))]
    else:
        spec = ",".join(subs) + "->" + out
        path = np.einsum_path(spec, *(np.empty(np.shape(o)) for o in operands), optimize=optimize)[0][1:]
        terms = list(zip(subs, operands))
        for step in path:  # numpy's convention: contract the listed terms, append the result
            picked = [terms[j] for j in step]
            for j in sorted(step, reverse=True):
                del terms[j]
            rest = "".join(s for s, _ in terms) + out
            s0, r0 = picked[0]
            if len(picked) == 1:
                keep = "".join(dict.fromkeys(c for c in s0 if c in rest))
                r0 = einsum1(f"{s0}->{keep}", r0)
                s0 = keep
            for k, (s1, r1) in enumerate(picked[1:], 2):
                later = rest + "".join(s for s, _ in picked[k:])
                keep = "".join(dict.fromkeys(c for c in s0 + s1 if c in later))
                r0, s0 = einsum(f"{s0},{s1}->{keep}", r0, r1), keep
            terms.append((s0, r0))
    ((cur, r),) = terms
    return einsum1(f"{cur}->{out}", r) if cur != out else r


def einsum1(subscripts: str, a):
    (sa,), so = _parse(subscripts, [np.ndim(a)])
    if len(set(sa)) != len(sa):
        raise TraceError(f"einsum {subscripts!r}: repeated labels within one operand (diagonals) are not supported")
    x = asarray(a)
    summed = tuple(j for j, c in enumerate(sa) if c not in so)
    if summed:
        x = np.sum(x, axis=summed)
        x = asarray(x)
        sa = "".join(c for c in sa if c in so)
    return x.transpose([sa.index(c) for c in so]) if so else x


def _sum_out(x, sub: str, keep: str):
    axes = tuple(j for j, c in enumerate(sub) if c not in keep)
    if not axes:
        return x, sub
    sub2 = "".join(c for c in sub if c in keep)
    if _is_sym(x):
        return asarray(np.sum(asarray(x), axis=axes)), sub2
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
            return FixedVariableArray._wrap(np.broadcast_to(asarray(x)._vars, tgt))
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
        arr = asarray(x)._vars if _is_sym(x) else x
        return arr.transpose([s.index(c) for c in order]).reshape(shape)

    A = arrange(a, sa, batch + afree + contract, (nb, nfa, nc))
    B = arrange(b, sb, batch + contract + bfree, (nb, nc, nfb))
    out = np.empty((nb, nfa, nfb), dtype=object)
    for q in range(nb):
        if not _is_sym(b):
            for r in range(nfa):
                out[q, r, :] = _cmvm_route(list(A[q, r, :]), B[q])
        elif not _is_sym(a):
            K = np.ascontiguousarray(A[q].T)
            for c in range(nfb):
                out[q, :, c] = _cmvm_route(list(B[q, :, c]), K)
        else:
            for r in range(nfa):
                for c in range(nfb):
                    out[q, r, c] = _sum_of([mul(A[q, r, k], B[q, k, c]) for k in range(nc)])
    res = out.reshape(tuple(size[c] for c in batch + afree + bfree))
    order = batch + afree + bfree
    res = res.transpose([order.index(c) for c in so]) if so else res
    if res.ndim == 0:
        return res[()]
    return FixedVariableArray._wrap(np.ascontiguousarray(res))


def _sum_of(items: list[FixedVariable]) -> FixedVariable:
    return sum_values(items) if items else FixedVariable(const=0)


@implements_ufunc(np.matmul)
def ufunc_matmul(ufunc, a, b, out=None, dtype=None, **kwargs):
    check_dtype(dtype, "np.matmul")
    check_ufunc_kwargs("np.matmul", kwargs)
    return store(matmul(a, b), out, "np.matmul")


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


@implements(np.dot)
def np_dot(a, b, out=None):
    return store(dot(a, b), out, "np.dot")


def dot(a, b):
    na, nb_ = np.ndim(a), np.ndim(b)
    if na == 0 or nb_ == 0:
        return asarray(a) * b if _is_sym(a) else asarray(b) * a
    if nb_ <= 2:
        return matmul(a, b)
    la = string.ascii_lowercase[: na - 1]
    lb = string.ascii_uppercase[: nb_ - 1]
    return einsum(f"{la}z,{lb[:-1]}z{lb[-1]}->{la}{lb}", a, b)


@implements(np.inner)
def inner(a, b):
    na, nb_ = np.ndim(a), np.ndim(b)
    if na == 0 or nb_ == 0:
        return dot(a, b)
    la = string.ascii_lowercase[: na - 1]
    lb = string.ascii_uppercase[: nb_ - 1]
    return einsum(f"{la}z,{lb}z->{la}{lb}", a, b)


@implements(np.tensordot)
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
