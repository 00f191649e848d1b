#!/usr/bin/env python3
"""Turns the Google Benchmark JSON files of scripts/bench into bench/RESULTS.md and a PNG chart.

    scripts/bench_report.py RESULTS_DIR OUT.md OUT.png

One table per benchmark program (every counter becomes a column); for bench_svd_dense, each row also
gets its time relative to LAPACK dgesdd and Eigen BDCSVD measured in the same run and on the same shape.
The chart (time vs n per dense solver, thin vectors, square shapes) needs python3-matplotlib; without it
the Markdown is still written and the chart is skipped with a note.
"""
import glob
import json
import math
import os
import re
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def fmt(v):
    if isinstance(v, float):
        return f"{v:.3g}" if (abs(v) < 1e-2 or abs(v) >= 1e5) and v != 0 else f"{v:.3f}".rstrip("0").rstrip(".")
    return str(v)


def parse_name(name):
    """'BM_golub_kahan/m:1000/n:1000/vectors:1' -> ('golub_kahan', {'m': '1000', ...})"""
    parts = name.split("/")
    solver = re.sub(r"^BM_", "", parts[0])
    args = dict(p.split(":", 1) for p in parts[1:] if ":" in p)
    return solver, args


def table(doc, baseline_solvers=()):
    rows = [b for b in doc["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
    skip = {"name", "run_name", "run_type", "repetitions", "repetition_index", "threads", "iterations",
            "real_time", "cpu_time", "time_unit", "family_index", "per_family_instance_index", "aggregate_name",
            "label", "error_occurred", "error_message"}
    counters = []
    for b in rows:
        for k in b:
            if k not in skip and k not in counters:
                counters.append(k)
    by_shape = {}
    for b in rows:
        solver, args = parse_name(b["name"])
        by_shape.setdefault(tuple(sorted(args.items())), {})[solver] = b["real_time"]
    head = ["benchmark", "time"] + [f"× {s}" for s in baseline_solvers] + \
        ["GB/s" if c == "bytes_per_second" else c for c in counters]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for b in rows:
        solver, args = parse_name(b["name"])
        shape = by_shape[tuple(sorted(args.items()))]
        cells = [f"`{b['name']}`", f"{b['real_time']:.1f} {b['time_unit']}"]
        for base in baseline_solvers:
            cells.append(f"{b['real_time'] / shape[base]:.2f}" if base in shape else "–")
        if b.get("error_occurred"):
            cells[1] = "skipped: " + b.get("error_message", "")
        cells += [(f"{b[c] / 1e9:.1f}" if c == "bytes_per_second" else fmt(b[c])) if c in b else "" for c in counters]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def chart(doc, png):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "(chart skipped: python3-matplotlib is not installed)"
    series = {}
    for b in doc["benchmarks"]:
        solver, args = parse_name(b["name"])
        if args.get("vectors") == "1" and args.get("m") == args.get("n") and not b.get("error_occurred"):
            series.setdefault(solver, []).append((int(args["n"]), b["real_time"]))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for solver, pts in sorted(series.items()):
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=solver)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (square n×n, thin U and V, double, 1 thread)")
    ax.set_ylabel(f"time ({doc['benchmarks'][0]['time_unit']})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    return f"![dense SVD time vs n]({os.path.basename(png)})"


def scale_section(doc, png):
    """bench_scale: growth exponents per step and a PNG of time and peak memory vs interactions."""
    rows = sorted((b for b in doc["benchmarks"] if not b.get("error_occurred")), key=lambda b: b["interactions"])
    if not rows:
        return []
    phases = [("load_s", "load"), ("svd_s", "randomized SVD r=64"), ("als_epoch_s", "ALS epoch f=64"),
              ("recommend_s", "recommend_all top-10, 20 k users")]
    out = ["### Growth per step (exponent e in time ∝ interactions^e; linear = 1, the target allows "
           "log10(15) = 1.18, i.e. 1.5× per 10× step)", "",
           "| step | " + " | ".join(label for _, label in phases) + " | peak MB / (CSR + factors) |",
           "|---|" + "---|" * (len(phases) + 1)]
    for a, b in zip(rows, rows[1:]):
        step = math.log(b["interactions"] / a["interactions"])
        cells = [f"{math.log(b[key] / a[key]) / step:.2f}" for key, _ in phases]
        out.append(f"| {a['interactions'] / 1e6:.0f} M → {b['interactions'] / 1e6:.0f} M | " + " | ".join(cells) +
                   f" | {b['peak_ratio']:.2f} |")
    first, last = rows[0], rows[-1]
    span = math.log(last["interactions"] / first["interactions"])
    out.append(f"| {first['interactions'] / 1e6:.0f} M → {last['interactions'] / 1e6:.0f} M | " +
               " | ".join(f"{math.log(last[key] / first[key]) / span:.2f}" for key, _ in phases) + " | |")
    out.append("")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return out + ["(chart skipped: python3-matplotlib is not installed)", ""]
    x = [r["interactions"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.3))
    for key, label in phases:
        left.plot(x, [r[key] for r in rows], marker="o", label=label)
    left.plot(x, [rows[0]["svd_s"] * v / x[0] for v in x], "k:", label="linear (from the first SVD point)")
    left.set_xscale("log"), left.set_yscale("log")
    left.set_xlabel("interactions"), left.set_ylabel("seconds")
    left.grid(True, which="both", alpha=0.3), left.legend(fontsize=7)
    for key, label in [("load_MB", "load"), ("svd_MB", "SVD"), ("als_MB", "ALS"), ("recommend_MB", "recommend")]:
        right.plot(x, [r[key] for r in rows], marker="o", label=f"peak RSS, {label}")
    right.plot(x, [2.5 * (r["csr_MB"] + r["factors_MB"]) for r in rows], "k--", label="2.5 × (CSR + factors)")
    right.set_xscale("log"), right.set_yscale("log")
    right.set_xlabel("interactions"), right.set_ylabel("MB")
    right.grid(True, which="both", alpha=0.3), right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    return out + [f"![time and peak memory vs interactions]({os.path.basename(png)})", ""]


def main():
    folder, md, png = sys.argv[1:4]
    parts = ["# Benchmark results", "",
             "Written by `scripts/bench` (Release, 1 thread, `OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1`). "
             "Ratios compare rows of the same run on the same shape; this machine is shared, so compare "
             "ratios, not absolute times, across runs.", ""]
    note = os.path.join(folder, "NOTE.md")  # conditions of this run worth knowing (written by hand)
    if os.path.exists(note):
        with open(note) as f:
            parts += [f.read().strip(), ""]
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        name = os.path.basename(path)[:-5]
        doc = load(path)
        if name == "svd_truncated_python":
            parts += [f"## {name} (scikit-learn / SciPy, same matrices)", "",
                      "| matrix | rank | solver | time (ms) | σ rel. error | residual ratio |", "|---|---|---|---|---|---|"]
            parts += [f"| {r['matrix']} | {r['rank']} | {r['solver']} | {r['time_ms']:.1f} | {r['sigma_err']:.3g} | "
                      f"{r['resid_ratio']:.4f} |" for r in doc]
            parts.append("")
            continue
        ctx = doc.get("context", {})
        parts += [f"## bench_{name}", "",
                  f"{ctx.get('date', '')}, {ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz, "
                  f"Google Benchmark library build: {ctx.get('library_build_type', '?')} (lowrank itself is Release)", ""]
        bases = ("lapack_dgesdd", "eigen_bdcsvd") if name == "svd_dense" else ()
        parts += [table(doc, bases), ""]
        # Markdown tables the program printed itself (evaluation tables of the recommender benches).
        console = path[:-5] + ".txt"
        if os.path.exists(console):
            with open(console) as f:
                printed = [l.rstrip("\n") for l in f if l.startswith("|")]
            if printed:
                parts += [f"### Tables printed by bench_{name}", ""] + printed + [""]
        if name == "svd_dense":
            parts += [chart(doc, png), ""]
        if name == "scale":
            parts += scale_section(doc, os.path.join(os.path.dirname(png), "scale.png"))
    with open(md, "w") as f:
        f.write("\n".join(parts))


if __name__ == "__main__":
    main()
