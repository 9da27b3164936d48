#!/usr/bin/env python3
"""Vectorised replicate weights for the coverage simulations.

The same generator as bootstrap_ref.weights (doc/uncertainty.md, "The
replicate-weight generator"), arranged for speed: the FNV-1a hashes of a key
list are computed once and cached, the per-seed mixing and the Poisson(1)
inverse CDF run as numpy array operations (the CDF lookup a searchsorted
over the same 17 thresholds).  check() compares it with bootstrap_ref's
weights bit for bit; the simulations call it before they start.

Run alone to check: /usr/bin/python3 test/ref/bootstrap/fastweights.py
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootstrap_ref as R  # noqa: E402

_FNV = {}
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _fnv(keys):
    """FNV-1a 64 of each key's UTF-8 bytes, cached by key list"""
    t = tuple(keys)
    h = _FNV.get(t)
    if h is None:
        out = []
        for k in keys:
            v = 0xCBF29CE484222325
            for byte in k.encode("utf-8"):
                v ^= byte
                v = (v * 0x100000001B3) & R.M64
            out.append(v)
        h = np.array(out, dtype=np.uint64)
        _FNV[t] = h
    return h


def weights(keys, seed, nrep, dtype=np.float64):
    """len(keys) x nrep weights of replicates 1..nrep (as bootstrap_ref)"""
    h = _fnv(keys)
    ms = np.uint64(R.mix64_py(seed & R.M64))
    kh = R.mix64_np(h ^ ms)
    b = np.arange(1, nrep + 1, dtype=np.uint64) * _GOLDEN
    with np.errstate(over="ignore"):
        u = R.mix64_np(kh[:, None] + b[None, :])
    x = u >> np.uint64(11)
    return np.searchsorted(R.T, x, side="right").astype(dtype)


def check():
    keys = ["", "a", "über", "x" * 300] + ["r%d" % i for i in range(300)]
    for seed in (0, 1, 7, 499, -1, 9223372036854775807):
        a = R.weights(keys, seed, 37)
        b = weights(keys, seed, 37, dtype=np.int64)
        assert (a == b).all(), "fast weights differ from bootstrap_ref's"


if __name__ == "__main__":
    check()
    print("fastweights: identical to bootstrap_ref.weights")
