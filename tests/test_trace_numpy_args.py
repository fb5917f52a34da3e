"""Every numpy function, ufunc and array method implemented on symbolic arrays, called with each of its
arguments: the argument is honoured (the traced program, run on numbers, equals numpy on those numbers) or
refused with an error naming it.  No argument is accepted and dropped.

The coverage tests read each function's signature (inspect) and fail when an argument has no case, so a newly
registered function needs its cases here."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pytest
from trace_util import grid

from da4ml.trace import FixedVariable, FixedVariableArray, TraceError, _registry, comb_trace
from da4ml.trace._elementwise import BINARY, UNARY
from da4ml.trace._ufuncs import _REDUCE

SHAPE = (2, 3)
N = 6
MASK = np.array([[True, False, True], [False, True, True]])
MASK_M = np.array([[True, True, False], [False, True, False]])  # counts along axis 1: 2 and 1 (powers of two)
MASK3 = np.array([[True, True, True], [False, True, False]])  # counts 3 and 1
W = np.array([[1.0, -0.5], [2.0, 0.25], [0.0, 1.0]])
W2 = np.array([[0.5, 1.0, -1.0], [2.0, 0.0, 0.25]])


def _samples():
    rng = np.random.default_rng(2026)
    xs = grid(rng, 1, 3, 1, (N,) + SHAPE)
    xs[0] = [[1.5, -2.0, 1.5], [0.5, 0.5, 0.5]]  # ties, for the stable sorts
    ys = grid(rng, 0, 2, 2, (N,) + SHAPE)
    xis = grid(rng, 1, 3, 0, (N,) + SHAPE)
    return xs, ys, xis


XS, YS, XIS = _samples()


@dataclass
class Env:
    """The operands of one call: symbolic (traced) or the numbers of one sample."""

    x: object
    y: object
    xi: object
    sym: bool
    outs: list = field(default_factory=list)
    mask = MASK
    mask_m = MASK_M
    mask3 = MASK3
    w = W
    w2 = W2

    def out(self, shape, dtype=np.float64):
        o = FixedVariableArray(np.zeros(shape)) if self.sym else np.zeros(shape, dtype=dtype)
        self.outs.append(o)
        return o


def _sym_env():
    return Env(
        FixedVariableArray.from_kif(1, np.full(SHAPE, 3), 1),
        FixedVariableArray.from_kif(0, np.full(SHAPE, 2), 2),
        FixedVariableArray.from_kif(1, np.full(SHAPE, 3), 0),
        True,
    )


def _symbolic_leaves(obj, acc):
    if isinstance(obj, FixedVariableArray):
        acc.extend(obj._vars.ravel())
    elif isinstance(obj, FixedVariable):
        acc.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _symbolic_leaves(o, acc)
    return acc


def _rebuild(obj, it):
    """The symbolic structure `obj` with its values taken from the iterator `it` (numbers of one sample)."""
    if isinstance(obj, FixedVariableArray):
        return np.array([next(it) for _ in range(obj.size)], dtype=np.float64).reshape(obj.shape)
    if isinstance(obj, FixedVariable):
        return next(it)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_rebuild(o, it) for o in obj)
    return obj


def _same(got, want, where: str):
    if isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), where
        for g, w in zip(got, want):
            _same(g, w, where)
        return
    g, w = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert g.shape == w.shape, f"{where}: shape {g.shape} != numpy's {w.shape}"
    assert np.array_equal(g, w), f"{where}:\n got   {g}\n numpy {w}"


def run_case(call, raises=None, compare=None, what=""):
    """Trace call(env) on symbols, run the program on every sample, compare with call(env) on the numbers."""
    env = _sym_env()
    if raises is not None:
        with pytest.raises((TypeError, ValueError, TraceError), match=raises):
            call(env)
        return
    r = call(env)
    for o in env.outs:  # a result written to out= is out itself
        assert r is o or (isinstance(r, (list, tuple)) and o in r)
    leaves = _symbolic_leaves(r, [])
    comb = comb_trace([env.x, env.y, env.xi], leaves)
    flat = np.concatenate([XS.reshape(N, -1), YS.reshape(N, -1), XIS.reshape(N, -1)], axis=1)
    values = comb.predict(flat) if leaves else np.zeros((N, 0))
    for s in range(N):
        got = _rebuild(r, iter(values[s]))
        want = call(Env(XS[s], YS[s], XIS[s].astype(np.int64), False))
        if compare is not None:
            got, want = compare(got, XS[s]), compare(want, XS[s])
        _same(got, want, f"{what} sample {s}")


@dataclass
class Case:
    func: object
    params: tuple
    call: object
    raises: str | None = None
    compare: object = None

    @property
    def id(self):
        name = getattr(self.func, "__name__", str(self.func))
        return f"{name}[{','.join(self.params) or '-'}]{'!' if self.raises else ''}"


def _sorted_by(idx, x):  # an unstable sort's indices: compare what they select, not their order on ties
    return np.take_along_axis(np.asarray(x, dtype=np.float64), np.asarray(idx, dtype=np.int64), axis=-1)


def _mean_f32(e, axis, where=True):
    """np.mean over counts that are not powers of two: traced, the sum times the float32 reciprocal of the
    count (the tracer's documented meaning); on numbers that product, computed by numpy."""
    if e.sym:
        return np.mean(e.x, axis=axis, where=where)
    counts = np.sum(np.broadcast_to(where, np.shape(e.x)), axis=axis)
    recip = np.array([float(np.float32(1 / int(n))) for n in np.ravel(counts)]).reshape(np.shape(counts))
    return np.sum(e.x, axis=axis, where=where) * recip


C = Case
FUNCTION_CASES = [
    # -- reductions ----------------------------------------------------------------------------------------
    *[
        case
        for f in (np.sum, np.prod)
        for case in (
            C(f, (), lambda e, f=f: f(e.x)),
            C(f, ("axis",), lambda e, f=f: f(e.x, axis=1)),
            C(f, ("axis",), lambda e, f=f: f(e.x, (0, 1))),
            C(f, ("dtype",), lambda e, f=f: f(e.x, dtype=object)),
            C(f, ("dtype",), lambda e, f=f: f(e.x, dtype=np.float32), raises="dtype"),
            C(f, ("out",), lambda e, f=f: f(e.x, axis=1, out=e.out((2,)))),
            C(f, ("keepdims",), lambda e, f=f: f(e.x, axis=0, keepdims=True)),
            C(f, ("initial",), lambda e, f=f: f(e.x, axis=1, initial=1.5)),
            C(f, ("where",), lambda e, f=f: f(e.x, axis=1, where=e.mask)),
            C(f, ("where", "initial"), lambda e, f=f: f(e.x, where=e.mask, initial=-0.5)),
            C(f, ("where",), lambda e, f=f: f(e.x, where=e.x > 0), raises="where"),
        )
    ],
    *[
        case
        for f in (np.max, np.amax, np.min, np.amin)
        for case in (
            C(f, ("axis",), lambda e, f=f: f(e.x, axis=1)),
            C(f, ("out",), lambda e, f=f: f(e.x, axis=0, out=e.out((3,)))),
            C(f, ("keepdims",), lambda e, f=f: f(e.x, axis=1, keepdims=True)),
            C(f, ("initial",), lambda e, f=f: f(e.x, axis=1, initial=2.0)),
            C(f, ("where", "initial"), lambda e, f=f: f(e.x, axis=1, where=e.mask, initial=0.5)),
            C(f, ("where",), lambda e, f=f: f(e.x, axis=1, where=e.mask), raises="initial"),
        )
    ],
    C(np.mean, ("axis",), lambda e: np.mean(e.x, axis=0)),
    C(np.mean, ("axis",), lambda e: _mean_f32(e, axis=1)),
    C(np.mean, ("dtype",), lambda e: np.mean(e.x, axis=0, dtype=object)),
    C(np.mean, ("dtype",), lambda e: np.mean(e.x, axis=0, dtype=np.float64), raises="dtype"),
    C(np.mean, ("out",), lambda e: np.mean(e.x, axis=0, out=e.out((3,)))),
    C(np.mean, ("keepdims",), lambda e: np.mean(e.x, axis=0, keepdims=True)),
    C(np.mean, ("where",), lambda e: np.mean(e.x, axis=1, where=e.mask_m)),
    C(np.mean, ("where", "keepdims"), lambda e: np.mean(e.x, axis=1, where=e.mask_m, keepdims=True)),
    C(np.mean, ("where",), lambda e: _mean_f32(e, axis=1, where=e.mask3)),
    *[
        case
        for f in (np.any, np.all)
        for case in (
            C(f, (), lambda e, f=f: f(e.x)),
            C(f, ("axis",), lambda e, f=f: f(e.x, axis=1)),
            C(f, ("out",), lambda e, f=f: f(e.x, axis=0, out=e.out((3,)))),
            C(f, ("keepdims",), lambda e, f=f: f(e.x, axis=1, keepdims=True)),
            C(f, ("where",), lambda e, f=f: f(e.x, axis=1, where=e.mask)),
        )
    ],
    # -- selection -----------------------------------------------------------------------------------------
    C(np.where, ("x", "y"), lambda e: np.where(e.x > 0, e.x, e.y)),
    C(np.where, ("x", "y"), lambda e: np.where(e.mask, e.x, 1.25)),
    C(np.where, (), lambda e: np.where(e.x > 0), raises="one argument"),
    C(np.clip, ("a_min", "a_max"), lambda e: np.clip(e.x, -1.5, 2.0)),
    C(np.clip, ("a_min", "a_max"), lambda e: np.clip(e.x, e.y - 2, 3.0)),
    C(np.clip, ("min", "max"), lambda e: np.clip(e.x, min=-1.0, max=e.y)),
    C(np.clip, ("a_min", "min"), lambda e: np.clip(e.x, 0.0, None, min=1.0), raises="once"),
    C(np.clip, ("out",), lambda e: np.clip(e.x, -1.0, 1.0, out=e.out(SHAPE))),
    C(np.clip, ("where",), lambda e: np.clip(e.x, -1.0, 1.0, out=e.out(SHAPE), where=e.mask)),
    C(np.clip, ("dtype",), lambda e: np.clip(e.x, -1.0, 1.0, dtype=np.float64), raises="dtype"),
    C(np.clip, ("casting",), lambda e: np.clip(e.x, -1.0, 1.0, casting="unsafe"), raises="casting"),
    C(np.clip, ("order",), lambda e: np.clip(e.x, -1.0, 1.0, order="C"), raises="order"),
    C(np.clip, ("subok",), lambda e: np.clip(e.x, -1.0, 1.0, subok=False), raises="subok"),
    C(np.clip, ("signature",), lambda e: np.clip(e.x, -1.0, 1.0, signature="ddd->d"), raises="signature"),
    C(np.round, (), lambda e: np.round(e.x)),
    C(np.round, ("decimals",), lambda e: np.round(e.x, decimals=1), raises="decimals"),
    C(np.round, ("out",), lambda e: np.round(e.x, out=e.out(SHAPE))),
    C(np.around, ("decimals",), lambda e: np.around(e.x, 0)),
    C(np.around, ("decimals",), lambda e: np.around(e.x, 2), raises="decimals"),
    C(np.around, ("out",), lambda e: np.around(e.x, out=e.out(SHAPE))),
    # -- sorting -------------------------------------------------------------------------------------------
    C(np.sort, ("axis",), lambda e: np.sort(e.x, axis=0)),
    C(np.sort, ("axis",), lambda e: np.sort(e.x, axis=None)),
    C(np.sort, ("kind",), lambda e: np.sort(e.x, kind="stable")),
    C(np.sort, ("kind",), lambda e: np.sort(e.x, kind="bitonic") if e.sym else np.sort(e.x)),
    C(np.sort, ("stable",), lambda e: np.sort(e.x, stable=True)),
    C(np.sort, ("kind", "stable"), lambda e: np.sort(e.x, kind="heapsort", stable=True), raises="stable"),
    C(np.sort, ("order",), lambda e: np.sort(e.x, order="f0"), raises="order"),
    C(np.argsort, ("kind",), lambda e: np.argsort(e.x, kind="stable")),
    C(np.argsort, ("stable",), lambda e: np.argsort(e.x, stable=True)),
    C(np.argsort, ("axis", "kind"), lambda e: np.argsort(e.x, axis=0, kind="mergesort")),
    C(np.argsort, ("kind",), lambda e: np.argsort(e.x, kind="quicksort"), compare=_sorted_by),
    C(np.argsort, ("axis",), lambda e: np.argsort(e.x, axis=-1), compare=_sorted_by),
    C(np.argsort, ("order",), lambda e: np.argsort(e.x, order="f0"), raises="order"),
    # -- linear algebra ------------------------------------------------------------------------------------
    C(np.einsum, (), lambda e: np.einsum("ij,jk->ik", e.x, e.w)),
    C(np.einsum, (), lambda e: np.einsum("ij,ij->i", e.x, e.y)),
    C(np.einsum, (), lambda e: np.einsum("ij->j", e.x)),
    C(np.einsum, ("out",), lambda e: np.einsum("ij,jk->ik", e.x, e.w, out=e.out((2, 2)))),
    C(np.einsum, ("optimize",), lambda e: np.einsum("ij,jk,kl->il", e.x, e.w, e.w2, optimize=False)),
    C(np.einsum, ("optimize",), lambda e: np.einsum("ij,jk,kl->il", e.x, e.w, e.w2, optimize="greedy")),
    C(np.einsum, ("optimize",), lambda e: np.einsum("ij,jk,lk->il", e.x, e.w, e.w2.T, optimize=True)),
    C(np.einsum, ("dtype",), lambda e: np.einsum("ij->i", e.x, dtype=np.float64), raises="dtype"),
    C(np.einsum, ("order",), lambda e: np.einsum("ij->i", e.x, order="C"), raises="order"),
    C(np.einsum, ("casting",), lambda e: np.einsum("ij->i", e.x, casting="unsafe"), raises="casting"),
    C(np.dot, ("b",), lambda e: np.dot(e.x, e.w)),
    C(np.dot, ("b",), lambda e: np.dot(e.x[0], e.y[1])),
    C(np.dot, ("out",), lambda e: np.dot(e.x, e.w, out=e.out((2, 2)))),
    C(np.inner, ("b",), lambda e: np.inner(e.x, e.y)),
    C(np.tensordot, ("b",), lambda e: np.tensordot(e.x, e.w, 1)),
    C(np.tensordot, ("axes",), lambda e: np.tensordot(e.x, e.y, axes=([1], [1]))),
    C(np.tensordot, ("axes",), lambda e: np.tensordot(e.x, e.y, axes=2)),
    # -- structure (numpy's own code on the object arrays: its arguments mean what numpy says) ---------------
    C(np.reshape, ("shape",), lambda e: np.reshape(e.x, (3, 2))),
    C(np.reshape, ("order",), lambda e: np.reshape(e.x, (3, 2), order="F")),
    C(np.reshape, ("copy",), lambda e: np.reshape(e.x, (3, 2), copy=True)),
    C(np.transpose, ("axes",), lambda e: np.transpose(e.x, (1, 0))),
    C(np.concatenate, ("axis",), lambda e: np.concatenate([e.x, e.y], axis=1)),
    C(np.concatenate, ("out",), lambda e: np.concatenate([e.x, e.y], out=e.out((4, 3)))),
    C(np.concatenate, ("casting",), lambda e: np.concatenate([e.x, e.y], casting="same_kind")),
    C(np.concatenate, ("dtype",), lambda e: np.concatenate([e.x, e.y], dtype=np.float64), raises="dtype"),
    C(np.stack, ("axis",), lambda e: np.stack([e.x, e.y], axis=2)),
    C(np.stack, ("out",), lambda e: np.stack([e.x, e.y], out=e.out((2, 2, 3)))),
    C(np.stack, ("casting",), lambda e: np.stack([e.x, e.y], casting="same_kind")),
    C(np.stack, ("dtype",), lambda e: np.stack([e.x, e.y], dtype=np.float32), raises="dtype"),
    *[
        case
        for f in (np.hstack, np.vstack)
        for case in (
            C(f, (), lambda e, f=f: f([e.x, e.y])),
            C(f, ("casting",), lambda e, f=f: f([e.x, e.y], casting="same_kind")),
            C(f, ("dtype",), lambda e, f=f: f([e.x, e.y], dtype=np.float64), raises="dtype"),
        )
    ],
    C(np.dstack, (), lambda e: np.dstack([e.x, e.y])),
    C(np.column_stack, (), lambda e: np.column_stack([e.x[0], e.y[1]])),
    C(np.repeat, ("repeats", "axis"), lambda e: np.repeat(e.x, 2, axis=1)),
    C(np.repeat, ("repeats",), lambda e: np.repeat(e.x, [1, 2], axis=0)),
    C(np.tile, ("reps",), lambda e: np.tile(e.x, (2, 1))),
    C(np.ravel, ("order",), lambda e: np.ravel(e.x, order="F")),
    C(np.expand_dims, ("axis",), lambda e: np.expand_dims(e.x, 1)),
    C(np.squeeze, ("axis",), lambda e: np.squeeze(e.x[:1], axis=0)),
    C(np.moveaxis, ("source", "destination"), lambda e: np.moveaxis(e.x, 0, -1)),
    C(np.swapaxes, ("axis1", "axis2"), lambda e: np.swapaxes(e.x, 0, 1)),
    C(np.flip, ("axis",), lambda e: np.flip(e.x, axis=1)),
    C(np.fliplr, (), lambda e: np.fliplr(e.x)),
    C(np.flipud, (), lambda e: np.flipud(e.x)),
    C(np.roll, ("shift", "axis"), lambda e: np.roll(e.x, 1, axis=1)),
    C(np.broadcast_to, ("shape",), lambda e: np.broadcast_to(e.x, (2, 2, 3))),
    C(np.broadcast_to, ("subok",), lambda e: np.broadcast_to(e.x, (2, 2, 3), subok=True)),
    C(np.atleast_1d, (), lambda e: np.atleast_1d(e.x[0, 0], e.y)),
    C(np.atleast_2d, (), lambda e: np.atleast_2d(e.x[0])),
    C(np.atleast_3d, (), lambda e: np.atleast_3d(e.x)),
    C(np.split, ("indices_or_sections", "axis"), lambda e: np.split(e.x, 3, axis=1)),
    C(np.array_split, ("indices_or_sections", "axis"), lambda e: np.array_split(e.x, [1], axis=1)),
    C(np.take, ("indices", "axis"), lambda e: np.take(e.x, [0, 2], axis=1)),
    C(np.take, ("out",), lambda e: np.take(e.x, [0, 2], axis=1, out=e.out((2, 2)))),
    C(np.take, ("mode",), lambda e: np.take(e.x, [0, 5], axis=1, mode="clip")),
    C(np.diagonal, ("offset", "axis1", "axis2"), lambda e: np.diagonal(e.x, offset=1, axis1=1, axis2=0)),
    C(np.rot90, ("k", "axes"), lambda e: np.rot90(e.x, k=3, axes=(1, 0))),
    C(np.copy, ("order", "subok"), lambda e: np.copy(e.x, order="F", subok=True)),
    C(np.block, (), lambda e: np.block([[e.x, e.y], [e.y, e.x]])),
    C(np.delete, ("obj", "axis"), lambda e: np.delete(e.x, 1, axis=1)),
    C(np.insert, ("obj", "values", "axis"), lambda e: np.insert(e.x, 1, 0.5, axis=1)),
    C(np.insert, ("values",), lambda e: np.insert(e.x, [0, 2], e.y[:, :2], axis=1)),
    C(np.append, ("values", "axis"), lambda e: np.append(e.x, e.y, axis=0)),
    C(np.take_along_axis, ("indices", "axis"), lambda e: np.take_along_axis(e.x, np.array([[2, 0], [1, 1]]), 1)),
    C(np.broadcast_arrays, ("subok",), lambda e: np.broadcast_arrays(e.x, e.y[:1], subok=True)),
    C(np.tril, ("k",), lambda e: np.tril(e.x, k=1)),
    C(np.triu, ("k",), lambda e: np.triu(e.x, -1)),
    C(np.diag, ("k",), lambda e: np.diag(e.x[0], k=1)),
    C(np.diag, (), lambda e: np.diag(e.x)),
    C(np.shape, (), lambda e: np.shape(e.x)),
    C(np.ndim, (), lambda e: np.ndim(e.x)),
    C(np.size, ("axis",), lambda e: np.size(e.x, axis=1)),
    C(np.pad, ("pad_width",), lambda e: np.pad(e.x, 1)),
    C(np.pad, ("constant_values",), lambda e: np.pad(e.x, ((0, 1), (2, 0)), constant_values=1.5)),
    *[C(np.pad, ("mode",), lambda e, m=m: np.pad(e.x, 2, mode=m)) for m in ("edge", "wrap", "reflect", "symmetric")],
    C(np.pad, ("reflect_type",), lambda e: np.pad(e.x, 1, mode="reflect", reflect_type="odd")),
    C(np.pad, ("mode",), lambda e: np.pad(e.x, 1, mode="maximum"), raises="maximum"),
    C(np.pad, ("stat_length",), lambda e: np.pad(e.x, 1, stat_length=2), raises="stat_length"),
    C(np.pad, ("end_values",), lambda e: np.pad(e.x, 1, mode="edge", end_values=1), raises="end_values"),
]

# the **kwargs a numpy signature leaves open, spelled out
OPEN_KWARGS = {
    np.clip: ("where", "dtype", "casting", "order", "subok", "signature"),
    np.einsum: ("dtype", "order", "casting"),
    np.pad: ("constant_values", "reflect_type", "stat_length", "end_values"),
}


def _arguments(func) -> set[str]:
    """The arguments of a numpy function beyond its data operand(s)."""
    params = list(inspect.signature(func).parameters.values())
    names = set()
    for j, p in enumerate(params):
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or (j == 0 and p.kind != p.KEYWORD_ONLY):
            continue
        if func in (np.where,) and p.name == "condition":
            continue
        names.add(p.name)
    return names | set(OPEN_KWARGS.get(func, ()))


def test_every_registered_function_has_a_case_for_every_argument():
    covered: dict = {}
    for case in FUNCTION_CASES:
        covered.setdefault(case.func, set()).update(case.params)
    missing = {}
    for func in _registry.handled_functions():
        need = _arguments(func) - covered.get(func, set())
        if func not in covered or need:
            missing[func.__name__] = sorted(need) or ["(no case)"]
    assert not missing, f"arguments without a case: {missing}"


@pytest.mark.parametrize("case", FUNCTION_CASES, ids=lambda c: c.id)
def test_function_argument(case):
    run_case(case.call, case.raises, case.compare, case.id)


# -- ufuncs: every ufunc, every keyword ------------------------------------------------------------------


def _operands(uf, e):
    if uf in (np.power, np.float_power):
        return (e.x, 2)
    if uf in (np.left_shift, np.right_shift):
        return (e.x, 1)
    if uf is np.true_divide:
        return (e.x, 2.0)
    return (e.x, e.y) if uf.nin == 2 else (e.x,)


# np.trunc has no exact element operation of its own: it is the lookup-table fallback's representative (exact
# on the inputs' grid, so the table fits the binary format)
UFUNCS = sorted({*BINARY, *UNARY, np.trunc, np.matmul}, key=lambda u: u.__name__)
UFUNC_KEYWORDS = ("out", "where", "casting", "order", "dtype", "subok", "signature", "axes", "axis", "keepdims")


def _plain(uf, e):
    if uf is np.matmul:
        return uf(e.x, e.w)
    return uf(*_operands(uf, e))


def _ufunc_cases(uf):
    out_shape = (2, 2) if uf is np.matmul else SHAPE
    mask = MASK
    cases = [(("out",), lambda e: _with(uf, e, out=e.out(out_shape)), None, lambda e: _plain(uf, e))]
    if uf is not np.matmul:  # a gufunc: no where= (numpy's signature has none)
        cases += [
            (
                ("out", "where"),
                lambda e: _with(uf, e, out=e.out(out_shape), where=mask),
                None,
                lambda e: np.where(mask, _plain(uf, e), 0.0),
            ),
            (("where",), lambda e: _with(uf, e, where=mask), "where", None),
        ]
    cases += [
        (("dtype",), lambda e: _with(uf, e, dtype=object), None, lambda e: _plain(uf, e)),
        (("dtype",), lambda e: _with(uf, e, dtype=np.float64), "dtype", None),
        (("casting",), lambda e: _with(uf, e, casting="same_kind"), None, lambda e: _plain(uf, e)),
        (("casting",), lambda e: _with(uf, e, casting="unsafe"), "casting", None),
        (("order",), lambda e: _with(uf, e, order="F"), "order", None),
        (("subok",), lambda e: _with(uf, e, subok=False), "subok", None),
        (("signature",), lambda e: _with(uf, e, signature=(None,) * (uf.nin + 1)), "signature", None),
    ]
    if uf is np.matmul:
        cases += [
            (("axes",), lambda e: _with(uf, e, axes=[(0, 1), (0, 1), (0, 1)]), "axes", None),
            (("axis",), lambda e: _with(uf, e, axis=0), "axis", None),
            (("keepdims",), lambda e: _with(uf, e, keepdims=True), "keepdims", None),
        ]
    return cases


def _with(uf, e, **kw):
    if uf is np.matmul:
        return uf(e.x, e.w, **kw)
    return uf(*_operands(uf, e), **kw)


UFUNC_CASES = [(uf, *c) for uf in UFUNCS for c in _ufunc_cases(uf)]


def test_every_ufunc_keyword_has_a_case():
    for uf in UFUNCS:
        params = {n for n in inspect.signature(uf).parameters if n in UFUNC_KEYWORDS}
        covered = {p for u, ps, *_ in UFUNC_CASES if u is uf for p in ps}
        assert params <= covered, f"np.{uf.__name__}: {sorted(params - covered)}"
    for uf, method in _registry.handled_ufuncs():
        assert uf == _registry.OTHER_UNARY or uf in UFUNCS or method == "reduce", f"np.{uf.__name__}.{method}"


@pytest.mark.parametrize(
    ("uf", "params", "call", "raises", "reference"),
    UFUNC_CASES,
    ids=[f"{u.__name__}[{','.join(p)}]{'!' if r else ''}" for u, p, _, r, _ in UFUNC_CASES],
)
def test_ufunc_keyword(uf, params, call, raises, reference):
    """The keyword's effect on our own plain result (the ufunc's values are tested elsewhere, against exact
    references: here numpy's out= / where= semantics are the reference)."""
    if raises is not None:
        run_case(call, raises)
        return
    env = _sym_env()
    r, ref = call(env), reference(env)
    comb = comb_trace([env.x, env.y], [*_symbolic_leaves(r, []), *_symbolic_leaves(ref, [])])
    flat = np.concatenate([XS.reshape(N, -1), YS.reshape(N, -1)], axis=1)
    values = comb.predict(flat)
    n = len(_symbolic_leaves(r, []))
    assert np.array_equal(values[:, :n], values[:, n:])


REDUCE_PARAMS = ("axis", "dtype", "out", "keepdims", "initial", "where")


def _reduce_cases(uf):
    def x(e):  # bit reductions: integers, where numpy's two's-complement semantics are ours
        return e.xi if uf in (np.bitwise_and, np.bitwise_or, np.bitwise_xor) else e.x

    r = uf.reduce
    return [
        (("axis",), lambda e: r(x(e)), None),
        (("axis",), lambda e: r(x(e), axis=1), None),
        (("axis",), lambda e: r(x(e), axis=None), None),
        (("dtype",), lambda e: r(x(e), dtype=object) if e.sym else r(x(e)), None),
        (("dtype",), lambda e: r(x(e), dtype=np.float32), "dtype"),
        (("out",), lambda e: r(x(e), axis=1, out=e.out((2,), np.int64 if x(e) is e.xi else np.float64)), None),
        (("keepdims",), lambda e: r(x(e), axis=1, keepdims=True), None),
        (("initial",), lambda e: r(x(e), axis=0, initial=3), None),
        (("where", "initial"), lambda e: r(x(e), axis=1, where=e.mask, initial=1), None),
    ]


REDUCE_CASES = [(uf, *c) for uf in _REDUCE for c in _reduce_cases(uf)]


def test_every_reduce_keyword_has_a_case():
    for uf in _REDUCE:
        covered = {p for u, ps, *_ in REDUCE_CASES if u is uf for p in ps}
        assert set(REDUCE_PARAMS) <= covered, f"np.{uf.__name__}.reduce: {sorted(set(REDUCE_PARAMS) - covered)}"


@pytest.mark.parametrize(
    ("uf", "params", "call", "raises"),
    REDUCE_CASES,
    ids=[f"{u.__name__}.reduce[{','.join(p)}]{'!' if r else ''}" for u, p, _, r in REDUCE_CASES],
)
def test_ufunc_reduce_keyword(uf, params, call, raises):
    run_case(call, raises, what=f"np.{uf.__name__}.reduce{params}")


def test_where_without_identity_needs_initial():
    run_case(lambda e: np.maximum.reduce(e.x, axis=1, where=e.mask), "identity")


def test_other_ufunc_methods_are_refused_by_name():
    x = _sym_env().x
    with pytest.raises(TypeError, match=r"np\.add\.accumulate"):
        np.add.accumulate(x)
    with pytest.raises(TypeError, match=r"np\.add\.outer"):
        np.add.outer(x, x)
    with pytest.raises(TypeError, match=r"np\.maximum\.reduceat"):
        np.maximum.reduceat(x, [0, 1], axis=1)


# -- the array methods are numpy's functions: each keyword reaches them -------------------------------------

METHOD_CASES = [
    ("sum", {"axis": 1, "dtype": object, "keepdims": True, "initial": 0.5, "where": MASK}),
    ("prod", {"axis": 0, "dtype": object, "keepdims": True, "initial": 2, "where": MASK}),
    ("max", {"axis": 1, "keepdims": True, "initial": 0.5, "where": MASK}),
    ("min", {"axis": 0, "keepdims": False, "initial": -1, "where": MASK}),
    ("mean", {"axis": 1, "dtype": object, "keepdims": True, "where": MASK_M}),
    ("any", {"axis": 1, "keepdims": True, "where": MASK}),
    ("all", {"axis": 0, "keepdims": True, "where": MASK}),
    ("clip", {"min": -1.0, "max": 2.0}),
]
METHOD_OUT = {"sum": (2, 1), "prod": (1, 3), "max": (2, 1), "min": (3,), "mean": (2, 1), "any": (2, 1)}


@pytest.mark.parametrize(("name", "kw"), METHOD_CASES, ids=[m for m, _ in METHOD_CASES])
def test_array_method_keywords(name, kw):
    def call(e):
        k = dict(kw)
        if not e.sym and k.get("dtype") is object:
            k.pop("dtype")
        if name in METHOD_OUT:
            k["out"] = e.out(METHOD_OUT[name])
        return getattr(e.x, name)(**k)

    run_case(call, what=f".{name}")
    run_case(
        lambda e: getattr(e.x, name)(dtype=np.float16) if "dtype" in kw else getattr(e.x, name)(bogus=1), "dtype|bogus"
    )


@pytest.mark.parametrize("name", ["reshape", "flatten", "ravel", "copy"])
def test_array_layout_methods_take_order(name):
    args = ((3, 2),) if name == "reshape" else ()
    run_case(lambda e: getattr(e.x, name)(*args, order="F"), what=f".{name}")


def test_array_dot_and_transpose_methods():
    run_case(lambda e: e.x.dot(e.w, out=e.out((2, 2))), what=".dot")
    run_case(lambda e: e.x.transpose(1, 0), what=".transpose")


# -- the defect of issue 12 --------------------------------------------------------------------------------


def test_sum_with_where_sums_the_selected_elements_only():
    x = FixedVariableArray.from_kif(0, np.full(4, 3), 0)
    mask = np.array([True, False, False, False])
    comb = comb_trace(x, np.sum(x, where=mask))
    assert comb.predict(np.array([[1.0, 2.0, 3.0, 4.0]])).tolist() == [[1.0]]
    assert np.sum(np.array([1, 2, 3, 4]), where=mask) == 1


def test_stable_argsort_orders_ties_by_position():
    x = FixedVariableArray.from_kif(1, np.full(5, 2), 0)
    comb = comb_trace(x, np.argsort(x, stable=True))
    X = np.array([[1, -2, 1, 1, -2], [0, 0, 0, 0, 0], [3, 2, 1, 0, -1]], dtype=np.float64)
    assert comb.predict(X).tolist() == np.argsort(X, axis=-1, stable=True).astype(float).tolist()
    assert [Fraction(v) for v in comb.predict(X)[1]] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("kind", ["batcher", "bitonic"])
def test_ops_sort_on_numbers_is_the_same_network(kind):
    """ops.sort on numbers runs the traced network's comparators: with ties, the aux values land exactly where
    the hardware puts them (and a kind that is no network is refused on numbers too)."""
    from da4ml.trace import ops

    keys = FixedVariableArray.from_kif(1, np.full(6, 2), 0)
    aux = FixedVariableArray.from_kif(0, np.full(6, 3), 0)
    sk, sa = ops.sort(keys, axis=-1, kind=kind, aux_value=aux)
    comb = comb_trace([keys, aux], [sk, sa])
    K = np.array([[1, -2, 1, 1, -2, 0], [0, 0, 0, 0, 0, 0], [3, 2, 1, 0, -1, -2]], dtype=np.float64)
    A = np.array([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1], [0, 1, 2, 3, 4, 5]], dtype=np.float64)
    nk, na = ops.sort(K, axis=-1, kind=kind, aux_value=A)
    assert comb.predict(np.concatenate([K, A], axis=1)).tolist() == np.concatenate([nk, na], axis=1).tolist()
    assert np.array_equal(ops.sort(K, axis=-1, kind=kind), np.sort(K, axis=-1))
    with pytest.raises(ValueError, match="not a sorting network"):
        ops.sort(K, kind="radix")
