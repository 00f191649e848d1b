#!/usr/bin/env python3
"""Issue 4's timing pairs over several alternated runs (scripts/bench_pairs): ours (bench_svd_truncated,
mean of its repetitions) against scikit-learn / SciPy (bench/svd_truncated_python.py, best of 3), one ratio
per run, and the median ratio per pair against the goal. On a shared machine single runs of either side
move by ±20 %; the median of several alternated runs is the figure to quote.

usage: svd_truncated_pairs.py FOLDER   (FOLDER holds ours_<i>.json and theirs_<i>.json, i = 1..N)
       svd_truncated_pairs.py --filter (the --benchmark_filter of the rows in PAIRS, for scripts/bench_pairs)
"""
import glob
import json
import os
import statistics
import sys

# (label, our benchmark's run_name, (matrix, rank, their solver), goal ≤ ours / theirs). ARPACK stands in
# for PROPACK at rank 10 on the sparse matrix, where PROPACK stops at its kmax without converging.
PAIRS = [
    ("dense randomized q=4, rank 10 / sklearn q=4", "BM_randomized/problem:1/rank:10/q:4/block_krylov:0/all_double:0",
     ("dense5000x2000", 10, "sklearn p=10 q=4"), 0.33),
    ("dense Lanczos tol 1e-5, rank 10 / PROPACK", "BM_lanczos/problem:1/rank:10/tol_exp:5/one_sided:0/kd:0/block:4/all_double:0",
     ("dense5000x2000", 10, "scipy svds propack"), 0.5),
    ("sparse Lanczos, rank 10 / ARPACK", "BM_lanczos/problem:0/rank:10/tol_exp:5/one_sided:0/kd:0/block:4/all_double:0",
     ("useritem6040x3706", 10, "scipy svds arpack"), 0.25),
    ("sparse Lanczos, rank 50 / PROPACK", "BM_lanczos/problem:0/rank:50/tol_exp:5/one_sided:0/kd:0/block:8/all_double:0",
     ("useritem6040x3706", 50, "scipy svds propack"), 0.25),
    ("sparse Lanczos, rank 100 / PROPACK", "BM_lanczos/problem:0/rank:100/tol_exp:5/one_sided:0/kd:0/block:8/all_double:0",
     ("useritem6040x3706", 100, "scipy svds propack"), 0.25),
    ("sparse randomized, rank 10 / sklearn", "BM_randomized/problem:0/rank:10/q:4/block_krylov:0/all_double:0",
     ("useritem6040x3706", 10, "sklearn p=10 q=4"), 0.33),
    ("sparse randomized, rank 50 / sklearn", "BM_randomized/problem:0/rank:50/q:4/block_krylov:0/all_double:0",
     ("useritem6040x3706", 50, "sklearn p=10 q=4"), 0.33),
    ("sparse randomized, rank 100 / sklearn", "BM_randomized/problem:0/rank:100/q:4/block_krylov:0/all_double:0",
     ("useritem6040x3706", 100, "sklearn p=10 q=4"), 0.33),
]


def ours_of(path):
    """run_name → (mean real time in ms, counters of the mean row)."""
    out = {}
    for b in json.load(open(path))["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") == "mean":
            scale = {"ms": 1.0, "us": 1e-3, "ns": 1e-6, "s": 1e3}[b.get("time_unit", "ms")]
            out[b["run_name"]] = (b["real_time"] * scale, b)
    return out


def theirs_of(path):
    return {(r["matrix"], r["rank"], r["solver"]): r for r in json.load(open(path))}


def main():
    if sys.argv[1:2] == ["--filter"]:  # the names hold no regex metacharacters: anchored, joined with |
        print("|".join(f"^{name}$" for _, name, _, _ in PAIRS))
        return
    folder = sys.argv[1] if len(sys.argv) > 1 else "build/bench-results/pairs"
    runs = sorted(glob.glob(os.path.join(folder, "ours_*.json")), key=lambda p: int(p.split("_")[-1].split(".")[0]))
    if not runs:
        sys.exit(f"svd_truncated_pairs: no ours_*.json in {folder}")
    print(f"{len(runs)} alternated runs; ratio = ours (mean of the repetitions) / theirs (best of 3)\n")
    print(f"{'pair':<46}{'goal':>6}{'median':>8}{'met':>5}  per run: ours / theirs ms = ratio")
    for label, name, key, goal in PAIRS:
        ratios, cells = [], []
        for path in runs:
            theirs_path = path.replace("ours_", "theirs_")
            if not os.path.exists(theirs_path):
                continue
            ours, theirs = ours_of(path), theirs_of(theirs_path)
            if name not in ours or key not in theirs:
                continue
            o, t = ours[name][0], theirs[key]["time_ms"]
            ratios.append(o / t)
            cells.append(f"{o:.1f}/{t:.1f}={o / t:.3f}")
        if not ratios:
            print(f"{label:<46}{goal:>6.2f}   (no data)")
            continue
        med = statistics.median(ratios)
        print(f"{label:<46}{goal:>6.2f}{med:>8.3f}{'yes' if med <= goal else 'no':>5}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
