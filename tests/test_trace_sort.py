"""Sorting networks and argsort."""

import numpy as np
import pytest
from trace_util import check

from da4ml.trace import ops
from da4ml.trace._sort import batcher_pairs, bitonic_pairs


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 11])
@pytest.mark.parametrize("net", [batcher_pairs, bitonic_pairs])
def test_networks_sort_all_01_inputs(n, net):
    layers = net(n)
    for bits in range(2**n):  # 0-1 principle: sorting all 0/1 vectors proves the network
        v = [(bits >> j) & 1 for j in range(n)]
        for layer in layers:
            for a, b in layer:
                if v[a] > v[b]:
                    v[a], v[b] = v[b], v[a]
        assert v == sorted(v)


@pytest.mark.parametrize("kind", ["batcher", "bitonic"])
def test_sort_traced(kind):
    k, i, f = np.array([1, 0, 1, 1, 0, 1]), np.array([3, 2, 1, 4, 3, 0]), np.array([1, 2, 3, 0, 1, 2])
    check(lambda x: np.sort(x, kind=kind), lambda X: np.array(sorted(X)), k, i, f, (6,), n=60)
    check(
        lambda x: ops.sort(x.reshape(2, 3), axis=1, kind=kind),
        lambda X: np.sort(X.reshape(2, 3), axis=1),
        k,
        i,
        f,
        (6,),
        seed=1,
    )


def test_argsort_indexes_other_array():
    def ref(X):
        keys, vals = X[3:], X[:3]
        order = sorted(range(3), key=lambda j: (keys[j], j))
        return np.array([vals[j] for j in order])

    # distinct keys so the order is unique: keys on a grid with a tie-free construction
    check(
        lambda x: x[:3][np.argsort(x[3:] * 4 + np.array([0, 0.25, 0.5]))],
        lambda X: ref(np.concatenate([X[:3], X[3:] * 4 + np.array([0, 0.25, 0.5], dtype=object)])),
        1,
        3,
        0,
        (6,),
        n=60,
    )


def test_sort_aux_value():
    k, i, f = 1, 3, 1

    def ref(X):
        keys, vals = X[:4], X[4:]
        order = np.argsort(np.array([float(v) for v in keys]) * 8 + np.arange(4) / 8, kind="stable")
        return np.concatenate([np.array(sorted(keys)), vals[order]])

    def sym(x):
        s, a = ops.sort(x[:4] * 1, aux_value=x[4:], kind="bitonic")
        return np.concatenate([s, a])

    # tie order is not defined for a network: use distinct keys
    check(
        lambda x: sym(np.concatenate([x[:4] * 8 + np.arange(4) / 8, x[4:]])),
        lambda X: ref(np.concatenate([X[:4] * 8 + np.arange(4).astype(object) / 8, X[4:]])),
        k,
        i,
        f,
        (8,),
        n=60,
    )
