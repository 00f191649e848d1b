#!/usr/bin/env python3
"""Companion of bench/svd_truncated.cpp: times scikit-learn randomized_svd and SciPy svds (ARPACK, PROPACK)
single-threaded on the matrices that the C++ benchmark dumps, with the same accuracy columns.

    LOWRANK_BENCH_DUMP=/tmp/lowrank-dump build/.../bench_svd_truncated --benchmark_filter=BM_spmm/k:1/mode:0
    /usr/bin/python3 bench/svd_truncated_python.py /tmp/lowrank-dump   # Debian python (pyenv shims lack numpy)

Columns: time (best of `--repeat`), sigma_err = max_i |s_i - s*_i| / s*_i against the dense BDCSVD reference the
C++ bench computed, resid_ratio = ||A - U S V^T||_F / ||A - A_k||_F. Needs Debian's python3-sklearn and
python3-scipy; prints a note and exits 0 when they are missing.
"""
import os
import sys

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
os.environ.setdefault("SCIPY_USE_PROPACK", "1")  # SciPy 1.9-1.11 ship PROPACK behind this switch

import glob
import time

try:
    import numpy as np
    import scipy.io
    import scipy.sparse
    import scipy.sparse.linalg
    from sklearn.utils.extmath import randomized_svd
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e} (apt-get install python3-sklearn python3-scipy)")
    sys.exit(0)


def load(base):
    if os.path.exists(base + ".mtx"):
        A = scipy.sparse.csr_matrix(scipy.io.mmread(base + ".mtx"))
    else:
        with open(base + ".dense", "rb") as f:
            m, n = np.frombuffer(f.read(16), dtype=np.int64)
            A = np.frombuffer(f.read(), dtype=np.float64).reshape((n, m)).T.copy()
    sigma = np.loadtxt(base + ".sigma")
    return A, sigma


def accuracy(A, U, s, Vt, sigma):
    order = np.argsort(-s)
    U, s, Vt = U[:, order], s[order], Vt[order]
    k = len(s)
    err = np.max(np.abs(s - sigma[:k]) / sigma[:k])
    norm2 = (A.multiply(A).sum() if scipy.sparse.issparse(A) else np.sum(A * A))
    AV = A @ Vt.T
    cross = np.sum(np.sum(U * AV, axis=0) * s)
    e2 = max(0.0, norm2 - 2 * cross + np.sum(s * s))
    best2 = np.sum(sigma[k:] ** 2)
    return err, np.sqrt(e2 / best2) if best2 > 0 else np.sqrt(e2)


def timed(fn, repeat):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    args = [a for a in sys.argv[1:] if a != "--json"]
    json_out = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
    if json_out:
        args.remove(json_out)
    folder = args[0] if args else "/tmp/lowrank-dump"
    rows = []
    repeat = 3
    ranks = [10, 50, 100]
    print(f"{'matrix':<22}{'rank':>5}  {'solver':<28}{'time ms':>10}{'sigma_err':>12}{'resid_ratio':>13}")
    for sig in sorted(glob.glob(os.path.join(folder, "*.sigma"))):
        base = sig[: -len(".sigma")]
        name = os.path.basename(base)
        A, sigma = load(base)
        for k in ranks:
            if name.startswith("dense") and k != 10:
                continue
            runs = [
                ("sklearn p=10 q=4", lambda: randomized_svd(A, k, n_oversamples=10, n_iter=4, random_state=0)),
                ("sklearn default (q=auto)", lambda: randomized_svd(A, k, random_state=0)),
                ("scipy svds arpack", lambda: scipy.sparse.linalg.svds(A, k, solver="arpack", random_state=0)),
                ("scipy svds propack", lambda: scipy.sparse.linalg.svds(A, k, solver="propack", random_state=0)),
            ]
            for label, fn in runs:
                try:
                    t, (U, s, Vt) = timed(fn, repeat)
                    err, ratio = accuracy(A, U, s, Vt, sigma)
                    print(f"{name:<22}{k:>5}  {label:<28}{t * 1e3:>10.1f}{err:>12.3g}{ratio:>13.6f}", flush=True)
                    rows.append({"matrix": name, "rank": k, "solver": label, "time_ms": t * 1e3,
                                 "sigma_err": float(err), "resid_ratio": float(ratio)})
                except Exception as e:  # noqa: BLE001 - report and go on
                    print(f"{name:<22}{k:>5}  {label:<28}{'failed: ' + str(e)[:60]}", flush=True)
    if json_out:
        import json
        with open(json_out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
