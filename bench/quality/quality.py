#!/usr/bin/python3
"""Quality grid of the selection strategies (issue 14): runs `lightly-al
simulate` on many cells (data set × embedding × pool size), keeps every
per-seed accuracy, and reports each strategy's Δ against RANDOM.

    quality.py run [--quick] [--cells A,B] [--seeds N]   run missing cells
    quality.py report [--quick]                          summary.csv/json (+ docs/quality.md when full)
    quality.py compare [--quick] [--base SUMMARY.csv]      AUTO against RANDOM per cell and budget

bench/quality/run.sh wraps these; see docs/quality.md.
"""

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# BADGE (the round's class probabilities) and BALD (ACTIVE_LEARNING on the
# BALD of a bootstrap ensemble of 5 models, LightlyScorerEnsemble) are in the
# main grid, measured like the others (issue 14: "in the same grid").
STRATEGIES = ["RANDOM", "CORESET", "CORAL", "ACTIVE_LEARNING", "TYPICLUST", "PROBCOVER", "BADGE", "BALD", "AUTO"]
# The extra grid (`--extra`, its own results/extra/): BADGE, the ensemble
# scorer's BALD and class balance against RANDOM and plain ACTIVE_LEARNING,
# measured with the same simulate loop; kept apart so the main grid and
# AUTO's rule are untouched by it.
EXTRA_STRATEGIES = ["RANDOM", "ACTIVE_LEARNING", "BADGE", "BALD", "RANDOM+BALANCE", "ACTIVE_LEARNING+BALANCE",
                    "BADGE+BALANCE"]
EXTRA_BEGIN = "<!-- extra-strategies:begin (bench/quality/run.sh --report --extra) -->"
EXTRA_END = "<!-- extra-strategies:end -->"
FULL_SEEDS = 10
QUICK_SEEDS = 3


def cell(name, source, what, test, quick=False, **params):
    return {"name": name, "source": source, "what": what, "test": test, "quick": quick, "params": params}


# The grid, most informative cells first so that a run cut short still
# covers every kind of data. Fashion-MNIST: pools from train images, the
# held-out split from the test images (see datasets.py).
EMB_WHAT = {"wpca": "whitened PCA 64 (the demo's embedding)", "pca": "PCA 64",
            "rp": "Gaussian random projection 64", "raw": "raw pixels (784)"}
CELLS = [
    cell("wine", "sklearn", "scikit-learn wine, 178 × 13 z-scores, 3 classes", 36, quick=True, table="wine"),
    cell("breast-cancer", "sklearn", "scikit-learn breast cancer, 569 × 30 z-scores, 2 classes", 114,
         quick=True, table="breast-cancer"),
    cell("gauss-overlap", "gauss", "Gaussian mixture: 10 classes × 2 blobs, dim 32, overlapping, "
         "class sizes falling 5:1", 1000, n=4000, dim=32, classes=10, spread=0.9,
         imbalance=5.0, seed=1),
    cell("gauss-imbalanced", "gauss", "Gaussian mixture: 4 classes × 2 blobs, dim 16, heavy overlap, "
         "class sizes falling 20:1", 600, n=3000, dim=16, classes=4, spread=1.2, imbalance=20.0, seed=2),
    cell("fmnist-wpca-500", "fmnist", "Fashion-MNIST, " + EMB_WHAT["wpca"] + ", pool 500", 3000,
         quick=True, emb="wpca", pool=500),
    cell("fmnist-wpca-1500", "fmnist", "Fashion-MNIST, " + EMB_WHAT["wpca"] + ", pool 1500", 3000,
         emb="wpca", pool=1500),
    cell("fmnist-wpca-5000", "fmnist", "Fashion-MNIST, " + EMB_WHAT["wpca"] + ", pool 5000", 3000,
         emb="wpca", pool=5000),
    cell("fmnist-longtail-5000", "fmnist", "Fashion-MNIST long-tailed (class sizes falling 10:1, "
         "test split too), " + EMB_WHAT["wpca"] + ", pool 5000", 3000, emb="wpca", pool=5000, longtail=True),
    cell("fmnist-pca-5000", "fmnist", "Fashion-MNIST, " + EMB_WHAT["pca"] + ", pool 5000", 3000,
         emb="pca", pool=5000),
    cell("fmnist-rp-5000", "fmnist", "Fashion-MNIST, " + EMB_WHAT["rp"] + ", pool 5000", 3000,
         emb="rp", pool=5000),
    cell("fmnist-raw-1500", "fmnist", "Fashion-MNIST, " + EMB_WHAT["raw"] + ", pool 1500", 3000,
         emb="raw", pool=1500),
]
# The other embeddings at the small pools (minutes), then the large cells
# (raw pixels at pool 20000 last: hours on 2 cores).
for _pool in (500, 1500):
    for _emb in ("pca", "rp", "raw"):
        if (_emb, _pool) != ("raw", 1500):
            CELLS.append(cell("fmnist-%s-%d" % (_emb, _pool), "fmnist",
                              "Fashion-MNIST, %s, pool %d" % (EMB_WHAT[_emb], _pool), 3000, emb=_emb, pool=_pool))
CELLS += [
    cell("fmnist-wpca-20000", "fmnist", "Fashion-MNIST, " + EMB_WHAT["wpca"] + ", pool 20000", 3000,
         emb="wpca", pool=20000),
    cell("fmnist-raw-5000", "fmnist", "Fashion-MNIST, " + EMB_WHAT["raw"] + ", pool 5000", 3000,
         emb="raw", pool=5000),
]
for _emb in ("pca", "rp", "raw"):
    CELLS.append(cell("fmnist-%s-20000" % _emb, "fmnist", "Fashion-MNIST, %s, pool 20000" % EMB_WHAT[_emb], 3000,
                      emb=_emb, pool=20000))
CELL_BY_NAME = {c["name"]: c for c in CELLS}


def n_classes_and_pool(c):
    p = c["params"]
    if c["source"] == "sklearn":
        n = {"wine": 178, "breast-cancer": 569}[p["table"]]
        return {"wine": 3, "breast-cancer": 2}[p["table"]], n - c["test"]
    if c["source"] == "gauss":
        return p["classes"], p["n"] - c["test"]
    return 10, p["pool"]


def ladder(n_classes, pool):
    """Budgets from one per class to half the pool, 1-2-5 steps."""
    half = pool // 2
    out, k = [], 0
    while True:
        b = n_classes * (1, 2, 5)[k % 3] * 10 ** (k // 3)
        if b >= half:
            break
        out.append(b)
        k += 1
    if out and out[-1] >= 0.8 * half:
        out.pop()
    return out + [half]


def results_dir(quick):
    return os.path.join(HERE, "results-quick" if quick else "results")


def simulate_binary():
    exe = os.environ.get("LIGHTLY_AL")
    if exe:
        return exe
    for d in ("_build", "builddir"):
        p = os.path.join(ROOT, d, "tools", "lightly-al")
        if os.access(p, os.X_OK):
            return p
    sys.exit("quality.py: set LIGHTLY_AL to the built tools/lightly-al (or build in _build)")


def git_commit():
    try:
        # The last commit that changed the engine or the CLI, not HEAD:
        # committing results must not look like another engine.
        return subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h", "--", "src", "tools"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def make_csv(c, path):
    import datasets
    p = c["params"]
    if c["source"] == "sklearn":
        x, y = datasets.sklearn_cell(p["table"])
    elif c["source"] == "gauss":
        x, y = datasets.gaussian_cell(p["n"], p["dim"], p["classes"], p["spread"], p["imbalance"], p["seed"])
    else:
        x, y = datasets.fmnist_cell(p["emb"], p["pool"], c["test"], longtail=p.get("longtail", False))
    datasets.write_csv(path, x, y)


def rerun_cell(c, seeds, out_dir, work_dir, exe, threads, only):
    """Reruns only the strategies @only (e.g. AUTO after a change to its rule) on a finished cell and
    replaces their rows; RANDOM and the others are deterministic per seed, so they stay comparable."""
    runs = os.path.join(out_dir, "runs")
    meta_path = os.path.join(runs, c["name"] + ".json")
    csv_path = os.path.join(runs, c["name"] + ".csv")
    with open(meta_path) as f:
        meta = json.load(f)
    data = os.path.join(work_dir, c["name"] + ".data.csv")
    os.makedirs(work_dir, exist_ok=True)
    if not os.path.exists(data):
        make_csv(c, data)
    prefix = os.path.join(work_dir, c["name"] + ".rerun")
    cmd = [exe, "simulate", data, "--test", str(c["test"]), "--seeds", str(seeds),
           "--strategies", ",".join(only), "--schedule", ",".join(map(str, meta["schedule"])),
           "--title", c["what"], "-o", prefix]
    if threads:
        cmd += ["--threads", str(threads)]
    print("%-22s rerun %s ..." % (c["name"], ",".join(only)), flush=True)
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        sys.exit("quality.py: simulate failed on %s: %s" % (c["name"], " ".join(cmd)))
    with open(csv_path) as f:
        old = [r for r in csv.DictReader(f) if r["strategy"] not in only]
    with open(prefix + ".csv") as f:
        new = list(csv.DictReader(f))
    fields = list(new[0].keys())
    with open(csv_path + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(old + new)
    os.replace(csv_path + ".tmp", csv_path)
    # One record per set of strategies rerun (the latest wins), and the cell
    # now holds every strategy of the grid it has rows for.
    reruns = meta.get("reruns") or ([meta.pop("rerun")] if "rerun" in meta else [])
    meta.pop("rerun", None)
    reruns = [r for r in reruns if r["strategies"] != only]
    reruns.append({"strategies": only, "commit": git_commit(), "seconds": round(time.time() - t0, 1),
                   "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())})
    meta["reruns"] = reruns
    have = {r["strategy"] for r in old + new}
    meta["strategies"] = [s for s in STRATEGIES if s in have] + [s for s in meta["strategies"]
                                                                  if s not in STRATEGIES and s in have]
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=1)
    print("%-22s %.0f s" % (c["name"], time.time() - t0), flush=True)


def run_cell(c, seeds, out_dir, work_dir, exe, threads, strategies=None):
    """Runs a cell that has no results yet. @strategies: a subset of the grid to run first (the long
    cells: RANDOM and AUTO answer the done-when; `--rerun` adds the others to the cell later)."""
    strategies = strategies or STRATEGIES
    runs = os.path.join(out_dir, "runs")
    os.makedirs(runs, exist_ok=True)
    os.makedirs(work_dir, exist_ok=True)
    n_classes, pool = n_classes_and_pool(c)
    schedule = ladder(n_classes, pool)
    meta_path = os.path.join(runs, c["name"] + ".json")
    want = {"seeds": seeds, "schedule": schedule, "strategies": strategies, "test": c["test"],
            "params": c["params"]}
    if os.path.exists(meta_path) and os.path.exists(os.path.join(runs, c["name"] + ".csv")):
        with open(meta_path) as f:
            meta = json.load(f)
        if all(meta.get(k) == v for k, v in want.items()):
            print("%-22s done already" % c["name"], flush=True)
            return
    data = os.path.join(work_dir, c["name"] + ".data.csv")
    if not os.path.exists(data):
        make_csv(c, data)
    prefix = os.path.join(work_dir, c["name"])
    cmd = [exe, "simulate", data, "--test", str(c["test"]), "--seeds", str(seeds),
           "--strategies", ",".join(strategies), "--schedule", ",".join(map(str, schedule)),
           "--title", c["what"], "-o", prefix]
    if threads:
        cmd += ["--threads", str(threads)]
    print("%-22s pool %d, %d classes, budgets %s, %d seeds ..." % (c["name"], pool, n_classes,
                                                                  ",".join(map(str, schedule)), seeds), flush=True)
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        sys.exit("quality.py: simulate failed on %s: %s" % (c["name"], " ".join(cmd)))
    with open(prefix + ".txt", "w") as f:
        f.write(proc.stdout)
    os.replace(prefix + ".csv", os.path.join(runs, c["name"] + ".csv"))
    want.update({"name": c["name"], "what": c["what"], "pool": pool, "classes": n_classes,
                 "seconds": round(time.time() - t0, 1), "commit": git_commit(),
                 "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                 "command": " ".join(["lightly-al"] + cmd[1:2] + [c["name"] + ".data.csv"] + cmd[3:-2])})
    with open(meta_path, "w") as f:
        json.dump(want, f, indent=1)
    print("%-22s %.0f s" % (c["name"], time.time() - t0), flush=True)


# ---------------------------------------------------------------------------
# Statistics


def mean_sd(v):
    m = sum(v) / len(v)
    sd = math.sqrt(sum((a - m) ** 2 for a in v) / (len(v) - 1)) if len(v) > 1 else 0.0
    return m, sd


def load_runs(out_dir):
    """{cell: {"meta": ..., "acc": {(strategy, labels): [acc per seed]}, "ran": {labels: set}}}"""
    runs = os.path.join(out_dir, "runs")
    cells = {}
    order = [c["name"] for c in CELLS]
    names = sorted((f[:-5] for f in os.listdir(runs) if f.endswith(".json")) if os.path.isdir(runs) else [],
                   key=lambda n: order.index(n) if n in order else len(order))
    for name in names:
        with open(os.path.join(runs, name + ".json")) as f:
            meta = json.load(f)
        acc, ran = {}, {}
        with open(os.path.join(runs, name + ".csv")) as f:
            for row in csv.DictReader(f):
                labels = int(row["labels"])
                acc.setdefault((row["strategy"], labels), []).append(float(row["accuracy"]))
                if row["strategy"] == "AUTO":
                    ran.setdefault(labels, set()).add(row["method"])
        cells[name] = {"meta": meta, "acc": acc, "ran": ran}
    return cells


def summarise(cells):
    """Rows: cell, labels, strategy, n, mean, sd, delta (points), random_mean, random_sd, random_sem."""
    rows = []
    for name, cd in cells.items():
        for labels in cd["meta"]["schedule"]:
            labels = min(labels, cd["meta"]["pool"])
            rm, rsd = mean_sd(cd["acc"][("RANDOM", labels)])
            n = len(cd["acc"][("RANDOM", labels)])
            for s in STRATEGIES:
                v = cd["acc"].get((s, labels))
                if not v:
                    continue
                m, sd = mean_sd(v)
                rows.append({"cell": name, "labels": labels, "strategy": s, "n": len(v), "mean": m, "sd": sd,
                             "delta": 100 * (m - rm), "random_mean": rm, "random_sd": rsd,
                             "random_sem": rsd / math.sqrt(n),
                             "auto_ran": "+".join(sorted(cd["ran"].get(labels, ()))) if s == "AUTO" else ""})
    return rows


def write_summary(rows, out_dir):
    keys = ["cell", "labels", "strategy", "n", "mean", "sd", "delta", "random_mean", "random_sd", "random_sem",
            "auto_ran"]
    with open(os.path.join(out_dir, "summary.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, keys, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("%.5f" % r[k] if isinstance(r[k], float) else r[k]) for k in keys})
    with open(os.path.join(out_dir, "summary.json"), "w") as f:
        json.dump(rows, f, indent=0)


def read_summary(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for k in ("mean", "sd", "delta", "random_mean", "random_sd", "random_sem"):
            r[k] = float(r[k])
        r["labels"] = int(r["labels"])
        r["n"] = int(r["n"])
    return rows


def auto_checks(rows):
    """Per (cell, labels): AUTO ≥ RANDOM mean − sd of the mean, AUTO ≥ RANDOM mean."""
    out = []
    for r in rows:
        if r["strategy"] != "AUTO":
            continue
        out.append(dict(r, within_sem=r["mean"] >= r["random_mean"] - r["random_sem"] - 1e-12,
                        above=r["mean"] >= r["random_mean"] - 1e-12))
    return out


def compare(rows, base_rows=None):
    checks = auto_checks(rows)
    base = {(r["cell"], r["labels"]): r for r in base_rows or [] if r["strategy"] == "AUTO"}
    print("%-22s %6s %7s %8s %8s  %-4s %-4s%s" % ("cell", "labels", "RANDOM", "±sem", "AUTO Δ", "≥−sem", "≥mean",
                                                "  base Δ  change" if base_rows else ""))
    for c in checks:
        line = "%-22s %6d %7.4f %8.4f %+7.2f  %-5s %-5s" % (
            c["cell"], c["labels"], c["random_mean"], c["random_sem"], c["delta"],
            "yes" if c["within_sem"] else "NO", "yes" if c["above"] else "no")
        b = base.get((c["cell"], c["labels"]))
        if b is not None:
            line += " %+7.2f %+7.2f" % (b["delta"], c["delta"] - b["delta"])
        print(line)
    n = len(checks)
    if n == 0:
        print("no results")
        return 1
    n_sem = sum(c["within_sem"] for c in checks)
    n_mean = sum(c["above"] for c in checks)
    print("\n%d (cell, budget) pairs in %d cells: AUTO ≥ RANDOM mean − sem at %d (%.0f%%), "
          "≥ RANDOM mean at %d (%.0f%%)" % (n, len({c["cell"] for c in checks}), n_sem, 100 * n_sem / n,
                                              n_mean, 100 * n_mean / n))
    done = n_sem == n and n_mean >= 0.9 * n
    print("issue 14 'done when' (≥ mean − sem everywhere, ≥ mean at ≥ 90%%): %s" % ("MET" if done else "not met"))
    if base_rows:
        common = [c for c in checks if (c["cell"], c["labels"]) in base]
        if common:
            d = [c["delta"] - base[(c["cell"], c["labels"])]["delta"] for c in common]
            print("against the base: %d common pairs, AUTO Δ changed by %+.2f points on average, "
                  "worst %+.2f, best %+.2f" % (len(d), sum(d) / len(d), min(d), max(d)))
    return 0 if done else 1


# ---------------------------------------------------------------------------
# docs/quality.md


def fmt_delta(d, worse):
    s = ("%+.1f" % d).replace("-", "−")
    return "**%s**" % s if worse else s


def auto_rule_section(cells, by):
    """The rule AUTO follows and the measurements that chose it (the pure strategies' Δ by the share
    of the pool labeled, from this grid)."""
    L = ["## How AUTO decides", ""]
    L.append("AUTO (`lightly_sampling_method_resolve_in_pool()`, decided per query from the pool's size and the "
             "labels so far; the reason is in `LightlyQueryResult:reason`) has three regimes, as SelectAL "
             "(Hacohen & Weinshall 2023) has a low, a mid and a high budget. **Low:** TYPICLUST at the cold "
             "start and while the labeled set after the query is at most 10 % of the pool and below 1000 "
             "labels; it makes one k-means cluster per label and pick, and takes the most typical sample of each "
             "cluster without a label, so a small batch covers the modes. **High:** ACTIVE_LEARNING (the "
             "highest margin scores) once the model that scored was trained on at least 200 labels and the "
             "batch is no larger than that labeled set (any batch from 1000 labels). **Mid:** BADGE in "
             "between (k-means++ seeding over the gradient embeddings of the model's class probabilities, so "
             "the batch is both uncertain and spread over the pool); RANDOM there when no scores are given, or "
             "when the scorer gives no class probabilities. The measurements that chose it: the table below "
             "(each strategy alone, from this grid, binned by the share of the pool labeled) shows TYPICLUST "
             "winning by several points up to 10 % of the pool, mixed between 10 and 20 % (−0.8 at 13 % on raw "
             "pixels at 1,500) and losing on most pairs from 20 % on, while ACTIVE_LEARNING from a cold start "
             "loses at every share up to 20 %. From a TYPICLUST start, ranking by a model of 100 labels (pools "
             "of 1,500, switch at 150: `bench/quality/auto-switch/`) lost 2.9 points (raw pixels) and 1.0 "
             "(random projection) at 200 labels, hence the floor of 200 labels; a first batch of 300 on a model "
             "of 200 labels lost 1.3 and 2.2 points there at 500 labels, hence the batch bound; batches of 250 "
             "and 500 on 500 labels won on every pool of 1,500 and 5,000, and from 1000 labels on ranking by "
             "scores won on the pool of 20,000 at every batch (docs/simulate.md). The mid regime was RANDOM "
             "until AUTO was below RANDOM's mean − sem at one pair: wine at 30 labels, −4.2 points (15 typical "
             "then 15 random picks; −2.0 ± 0.7 over 40 seeds), where the typical picks mislead the model and "
             "random picks cannot undo them. BADGE in their place (rerun of AUTO alone on all 20 cells, "
             "everything else unchanged) changed 21 pairs, all in the mid regime of pools up to 3,000: 20 rose "
             "(by 1.3 points on average; wine at 30 labels to −0.6, at 71 from −0.3 to +1.7, fmnist-rp-500 at "
             "100 from −0.6 to +1.6, fmnist-wpca-1500 at 500 from −0.2 to +0.5) and one fell (fmnist-raw-1500 "
             "at 200, +3.3 to +2.7); below RANDOM's mean − sem at 0 pairs instead of 1, below its mean at 5 "
             "instead of 8. Why BADGE: it needs no switch point of its own, since with a weak model its "
             "gradient embeddings have similar norms and k-means++ spreads the batch like a coverage method, "
             "and as the model improves the uncertain samples weigh more. Tiny budgets: TYPICLUST takes one "
             "pick per k-means cluster, so k picks cover k modes; making the clusters tighter does not help, "
             "k-means with 5 restarts keeping the lowest inertia (for K ≤ 32) lost 21 points at 4 labels on "
             "gauss-imbalanced (the majority class split into more clusters) and 3.5 points at 10 labels on "
             "fmnist-raw-500, so AUTO keeps one seeded k-means. Against the earlier rules on the 17 cells they "
             "were measured on (RANDOM's rows are the same): the fixed switch at 1000 labels was below RANDOM's "
             "mean − sem at 10 pairs (worst −6.6, fmnist-raw-1500 at 750), the switch at 20 % of the pool "
             "(500–1000 labels) at 4 (wine at 30 −3.9; fmnist-raw-1500 at 200 −0.8 and at 500 −1.3; "
             "fmnist-rp-1500 at 500 −2.2; `bench/quality/auto-switch/summary.py`), three regimes with RANDOM in "
             "the middle at 1 (wine at 30, −4.2), with BADGE in the middle at 0.")
    L.append("")
    bins = [(0, 0.05, "≤ 5 %"), (0.05, 0.10001, "5–10 %"), (0.10001, 0.2, "10–20 %"), (0.2, 0.4, "20–40 %"),
            (0.4, 1.0, "≥ 40 %")]
    L.append("| share of the pool labeled | pairs | TYPICLUST mean Δ | TYPICLUST ≥ mean | "
             "ACTIVE_LEARNING mean Δ | ACTIVE_LEARNING ≥ mean | BADGE mean Δ | BADGE ≥ mean | AUTO mean Δ | "
             "AUTO ≥ mean |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for lo, hi, label in bins:
        cols, n = [], 0
        for strat in ("TYPICLUST", "ACTIVE_LEARNING", "BADGE", "AUTO"):
            ds = []
            for name, cd in cells.items():
                pool = cd["meta"]["pool"]
                for labels in cd["meta"]["schedule"]:
                    r = by.get((name, labels, strat))
                    if r is not None and lo <= labels / pool < hi:
                        ds.append(r["delta"])
            n = len(ds)
            cols.append("%s | %d/%d" % (fmt_delta(sum(ds) / len(ds), False) if ds else "", sum(d >= 0 for d in ds),
                                        len(ds)))
        L.append("| %s | %d | %s |" % (label, n, " | ".join(cols)))
    L.append("")
    return L


def write_doc(cells, rows, path, seeds_note):
    checks = auto_checks(rows)
    worst = min(checks, key=lambda c: c["delta"])
    best = max(checks, key=lambda c: c["delta"])
    n = len(checks)
    n_sem = sum(c["within_sem"] for c in checks)
    n_mean = sum(c["above"] for c in checks)
    by = {(r["cell"], r["labels"], r["strategy"]): r for r in rows}
    L = []
    L.append("Worst Δ of AUTO over the grid: %s points against RANDOM's mean (%s, %d labels; RANDOM %.3f ± %.3f)."
             % (fmt_delta(worst["delta"], False), worst["cell"], worst["labels"], worst["random_mean"],
                worst["random_sd"]))
    L.append("")
    L.append("Best Δ of AUTO: %s points (%s, %d labels). Over the %d (cell, budget) pairs of %d cells, AUTO is at "
             "or above RANDOM's mean − its standard error (sd/√seeds) at %d (%.0f %%) and at or above RANDOM's "
             "mean at %d (%.0f %%); issue 14 asks for all of them and 90 %%, so this is %s."
             % (fmt_delta(best["delta"], False), best["cell"], best["labels"], n, len(cells), n_sem,
                100 * n_sem / n, n_mean, 100 * n_mean / n,
                "met" if n_sem == n and n_mean >= 0.9 * n else "**not met**"))
    L.append("")
    L.append("# Quality grid: the selection strategies against RANDOM on more than one data set")
    L.append("")
    L.append("Generated by `bench/quality/run.sh --report` from `bench/quality/results/`; do not edit by hand. "
             + seeds_note)
    L.append("")
    L.append("Every number is the test accuracy of scikit-learn's `LogisticRegression(C=1)` (our "
             "`tools/ml/lightly-logreg`) on L2-normalised embeddings, trained on the samples a strategy picked "
             "and measured on the cell's held-out split, as `lightly-al simulate` does. Δ is the strategy's mean "
             "minus RANDOM's mean over the same seeds, in accuracy points; **bold** marks a Δ below −1 standard "
             "error of RANDOM's mean (RANDOM sd/√seeds). The AUTO column says what AUTO resolved to "
             "(T = TYPICLUST, R = RANDOM, AL = ACTIVE_LEARNING, B = BADGE, CS = CORESET, CO = CORAL, PC = PROBCOVER). "
             "BADGE runs on the class probabilities of the round's model; BALD is ACTIVE_LEARNING on the BALD "
             "(mutual information) of `LightlyScorerEnsemble` over a bootstrap ensemble of 5 logistic "
             "regressions, each on a resample of the labeled set. Like CORAL and ACTIVE_LEARNING, their first "
             "round, without a model, is CORESET.")
    missing = [c["name"] for c in CELLS if c["name"] not in cells]
    if missing:
        L.append("")
        L.append("Not run yet (the grid is resumable; `bench/quality/run.sh` runs them in this order): "
                 + ", ".join(missing) + ".")
    for name, cd in cells.items():
        have = set(cd["meta"]["strategies"])
        lacking = [s for s in STRATEGIES if s not in have]
        if lacking and "RANDOM" in have and "AUTO" in have:
            L.append("")
            L.append("%s ran %s only (`run.sh --strategies`: RANDOM and AUTO answer issue 14's done-when; the "
                     "cell's other strategies take hours here). `bench/quality/run.sh --cells %s --rerun %s` adds "
                     "the others; until then their columns show – and the grid's totals below leave the cell out."
                     % (name, " and ".join(s for s in STRATEGIES if s in have), name, ",".join(lacking)))
    L.append("")
    L.append("## AUTO's Δ per cell")
    L.append("")
    L.append("| cell | budgets | worst Δ (labels) | best Δ (labels) | ≥ mean − sem | ≥ mean |")
    L.append("|---|---|---:|---:|---:|---:|")
    for name in cells:
        cc = [c for c in checks if c["cell"] == name]
        if not cc:
            continue
        w = min(cc, key=lambda c: c["delta"])
        b = max(cc, key=lambda c: c["delta"])
        L.append("| %s | %d–%d | %s (%d) | %s (%d) | %d/%d | %d/%d |" % (
            name, cc[0]["labels"], cc[-1]["labels"], fmt_delta(w["delta"], not w["within_sem"]), w["labels"],
            fmt_delta(b["delta"], False), b["labels"], sum(c["within_sem"] for c in cc), len(cc),
            sum(c["above"] for c in cc), len(cc)))
    L.append("")
    L.append("## Where AUTO is below RANDOM's mean")
    L.append("")
    bad = [c for c in checks if not c["within_sem"]]
    late = [c for c in bad if c["labels"] >= 0.2 * cells[c["cell"]]["meta"]["pool"]]
    L.append("Every failing pair, with the budget as a share of the pool and the strategy with the best mean "
             "there (a hint for the next AUTO rule, not a rule: one cell, one budget). Pairs below RANDOM's "
             "mean − sem: %d, of which %d at budgets of 20 %% of the pool or more." % (len(bad), len(late)))
    L.append("")
    L.append("| cell | labels | share of pool | AUTO ran | AUTO Δ | ≥ mean − sem | best there (Δ) |")
    L.append("|---|---:|---:|---|---:|---|---|")
    for c in checks:
        if c["above"]:
            continue
        pool = cells[c["cell"]]["meta"]["pool"]
        best_s = max(STRATEGIES, key=lambda s: by[(c["cell"], c["labels"], s)]["mean"]
                     if (c["cell"], c["labels"], s) in by else -1)
        L.append("| %s | %d | %.0f %% | %s | %s | %s | %s (%s) |" % (
            c["cell"], c["labels"], 100 * c["labels"] / pool, c["auto_ran"], fmt_delta(c["delta"], False),
            "yes" if c["within_sem"] else "**no**", best_s,
            fmt_delta(by[(c["cell"], c["labels"], best_s)]["delta"], False)))
    L.append("")
    L.extend(auto_rule_section(cells, by))
    L.append("## Every strategy over the grid")
    L.append("")
    L.append("Over all (cell, budget) pairs: how often the strategy's mean is at or above RANDOM's mean − sem "
             "and at or above RANDOM's mean, its mean Δ and its worst Δ.")
    L.append("")
    L.append("| strategy | ≥ mean − sem | ≥ mean | mean Δ | worst Δ (cell, labels) |")
    L.append("|---|---:|---:|---:|---|")
    for s in STRATEGIES[1:]:
        rs = [r for r in rows if r["strategy"] == s]
        if not rs:
            continue
        w = min(rs, key=lambda r: r["delta"])
        L.append("| %s | %d/%d | %d/%d | %s | %s (%s, %d) |" % (
            s, sum(r["mean"] >= r["random_mean"] - r["random_sem"] - 1e-12 for r in rs), len(rs),
            sum(r["mean"] >= r["random_mean"] - 1e-12 for r in rs), len(rs),
            fmt_delta(sum(r["delta"] for r in rs) / len(rs), False), fmt_delta(w["delta"], False), w["cell"],
            w["labels"]))
    L.append("")
    L.append("## Strategies per cell")
    short = {"TYPICLUST": "T", "ACTIVE_LEARNING": "AL", "CORESET": "CS", "CORAL": "CO", "PROBCOVER": "PC",
             "RANDOM": "R", "BADGE": "B"}
    for name, cd in cells.items():
        meta = cd["meta"]
        L.append("")
        L.append("### %s" % name)
        L.append("")
        L.append("%s. Pool %d, test %d, %d seeds, %s s. Δ in points against RANDOM's mean:"
                 % (meta["what"], meta["pool"], meta["test"], meta["seeds"], meta["seconds"]))
        L.append("")
        L.append("| labels | RANDOM | " + " | ".join(s for s in STRATEGIES if s != "RANDOM") + " | AUTO ran |")
        L.append("|---:|---|" + "---:|" * (len(STRATEGIES) - 1) + "---|")
        for labels in meta["schedule"]:
            r = by.get((name, labels, "RANDOM"))
            if r is None:
                continue
            cols = ["%d" % labels, "%.3f ± %.3f" % (r["mean"], r["sd"])]
            for s in STRATEGIES[1:]:
                x = by.get((name, labels, s))
                cols.append("–" if x is None else
                            fmt_delta(x["delta"], x["mean"] < x["random_mean"] - x["random_sem"]))
            a = by.get((name, labels, "AUTO"))
            cols.append("+".join(short.get(m, m) for m in a["auto_ran"].split("+")) if a else "")
            L.append("| " + " | ".join(cols) + " |")
    L.append("")
    L.append("## How it was run")
    L.append("")
    L.append("```sh")
    L.append("bench/quality/run.sh             # the full grid, resumes: cells already in results/ are skipped")
    L.append("bench/quality/run.sh --quick     # 3 cells, 3 seeds, into bench/quality/results-quick/")
    L.append("bench/quality/run.sh --rerun AUTO   # after a change to AUTO's rule: AUTO alone on the finished cells")
    L.append("bench/quality/run.sh --rerun BADGE,BALD   # strategies added to the grid, on the finished cells")
    L.append("bench/quality/run.sh --report    # summary.csv/json and this page from results/")
    L.append("bench/quality/run.sh --compare [--base OLD/summary.csv]   # AUTO against RANDOM (and a base run);")
    L.append("                                 # exits 0 only when issue 14's 'done when' holds")
    L.append("```")
    L.append("")
    L.append("`run.sh` finds `lightly-al` in `$LIGHTLY_AL` or `_build/`; it is never run in CI. For each cell it "
             "writes the data set as an embeddings CSV (labels column = true class; `bench/quality/datasets.py`) "
             "and runs")
    L.append("")
    L.append("```sh")
    L.append("lightly-al simulate CELL.csv --test T --seeds 10 \\")
    L.append("    --strategies %s --schedule B1,B2,…" % ",".join(STRATEGIES))
    L.append("```")
    L.append("")
    L.append("so the loop, the engine, AUTO's resolution and the classifier are exactly those of `lightly-al "
             "simulate` (docs/simulate.md): every strategy starts without labels, picks up to each budget with "
             "the labeled set preselected, CORAL and ACTIVE_LEARNING rank by the margin of a model trained on "
             "the labeled set and start with a CORESET round (BADGE and BALD too), PROBCOVER and TYPICLUST use their defaults.")
    L.append("")
    L.append("* **Budgets**: one per class, then 1-2-5 steps (×classes) up to half the pool, the last one "
             "being half the pool.")
    L.append("* **Held-out split**: simulate holds out `--test` rows of the CSV by its fixed shuffle (seed 0), "
             "the same for all strategies and seeds, so RANDOM's sd is the spread due to the picks alone.")
    L.append("* **Fashion-MNIST** (`dataset-fashion-mnist`, IDX files in /usr/share/datasets/fashion-mnist): "
             "pool rows are drawn (seed 0) from training images 0–49,999 and 3,000 extra rows from the test "
             "images; simulate's shuffle then holds out 3,000 of the mixed rows, so pool and test are from the "
             "same distribution. Embeddings: raw pixels /255 (784 dims); PCA to 64 dims of the L2-normalised "
             "pixels; the same PCA whitened (the demo's embedding); a Gaussian random projection of the "
             "L2-normalised pixels to 64 dims. PCA is fitted on training images 50,000–59,999, which are in no "
             "cell, so all Fashion-MNIST cells share one embedding.")
    L.append("* **Long-tailed Fashion-MNIST**: class sizes fall geometrically from the most to the least "
             "frequent class, 10:1 (which class is frequent is drawn once); the test split has the same "
             "imbalance, because simulate draws it from the same CSV.")
    L.append("* **Gaussian mixtures**: two blobs per class with random centres N(0, I) and scales "
             "(0.5–1.5)·spread, class sizes falling geometrically (5:1 and 20:1).")
    L.append("* **wine, breast cancer**: scikit-learn's bundled tables, standardised to z-scores (simulate "
             "L2-normalises rows, and raw wine features are dominated by proline).")
    L.append("")
    L.append("Results: `bench/quality/results/runs/CELL.csv` (simulate's per-seed rows: strategy, seed, round, "
             "labels, method, accuracy) and `CELL.json` (settings, time, commit), aggregated into "
             "`results/summary.csv` and `summary.json` (cell, labels, strategy, n, mean, sd, delta, random_mean, "
             "random_sd, random_sem, auto_ran). To judge a change to AUTO: rerun the grid into another directory "
             "(`--out DIR`) and `bench/quality/run.sh --compare --out DIR --base bench/quality/results/summary.csv`.")
    L.append("")
    L.append("## Limits")
    L.append("")
    L.append("* `lightly-al simulate` takes one CSV and holds out a random part of it, so a cell cannot bring "
             "its own test set: the long-tailed cell is scored on a long-tailed split (accuracy weighted by "
             "class frequency, not balanced accuracy), and Fashion-MNIST test images and training images are "
             "mixed before the split.")
    L.append("* The held-out split is fixed across seeds, so RANDOM's sd covers the luck of the picks, not the "
             "luck of the split; small tables (wine: 36 test rows, one row = 2.8 points) move in coarse steps.")
    L.append("* Deterministic picks (CORESET's and CORAL's first rounds, TYPICLUST at small budgets) have sd "
             "near 0, so their Δ at one budget is one draw of the data, not an average.")
    L.append("")
    extra = os.path.join(HERE, "results", "extra", "section.md")
    if os.path.exists(extra):
        with open(extra) as f:
            L.append(f.read())
    with open(path, "w") as f:
        f.write("\n".join(L))


def write_extra_section(cells, rows, out_dir, doc):
    """results/extra/section.md, also put into @doc between the EXTRA markers (or appended)."""
    by = {(r["cell"], r["labels"], r["strategy"]): r for r in rows}
    others = [s for s in EXTRA_STRATEGIES if s != "RANDOM"]
    L = [EXTRA_BEGIN, "", "## BADGE, the ensemble scorer (BALD) and class balance", ""]
    L.append("Measured with the same loop on some cells, into `bench/quality/results/extra/` by")
    L.append("")
    L.append("```sh")
    L.append("bench/quality/run.sh --extra --cells %s" % ",".join(cells))
    L.append("```")
    L.append("")
    L.append("(`lightly-al simulate --strategies %s`). **BADGE** runs on the class probabilities of the "
             "round's model (the logistic regression on the labeled set); **BALD** is ACTIVE_LEARNING on "
             "`uncertainty_bald` of `LightlyScorerEnsemble` over a bootstrap ensemble of 5 logistic "
             "regressions (each on a resample, with replacement, of the labeled set; T×N×C probabilities); "
             "**+BALANCE** adds the `balance` setting (per-class quotas from the model's predicted classes). "
             "Like CORAL and ACTIVE_LEARNING they need a model, so their first round is CORESET, unbalanced. "
             "Δ = points above RANDOM's mean; ! marks a Δ below −1 sd of RANDOM." % ",".join(EXTRA_STRATEGIES))
    L.append("")
    L.append("| strategy | mean Δ | worst Δ (cell, labels) | pairs ≥ RANDOM's mean |")
    L.append("|---|---:|---|---:|")
    for s in others:
        rs = [r for r in rows if r["strategy"] == s]
        if not rs:
            continue
        worst = min(rs, key=lambda r: r["delta"])
        L.append("| %s | %+.1f | %+.1f (%s, %d) | %d of %d |" % (
            s, sum(r["delta"] for r in rs) / len(rs), worst["delta"], worst["cell"], worst["labels"],
            sum(r["delta"] >= 0 for r in rs), len(rs)))
    for name, cd in cells.items():
        meta = cd["meta"]
        L.append("")
        L.append("### %s (%s; %d seeds)" % (name, meta["what"], meta["seeds"]))
        L.append("")
        L.append("| labels | RANDOM | " + " | ".join(others) + " |")
        L.append("|---:|---|" + "---:|" * len(others))
        for labels in meta["schedule"]:
            labels = min(labels, meta["pool"])
            r0 = by.get((name, labels, "ACTIVE_LEARNING")) or by.get((name, labels, others[0]))
            cols = []
            for s in others:
                r = by.get((name, labels, s))
                cols.append("" if r is None else "%+.1f%s" % (r["delta"], "!" if r["delta"] < -100 * r["random_sd"]
                                                                 else ""))
            L.append("| %d | %.3f ± %.3f | %s |" % (labels, r0["random_mean"], r0["random_sd"], " | ".join(cols)))
    L.append("")
    # What the numbers say, written by hand next to the results they read.
    notes = os.path.join(out_dir, "notes.md")
    if os.path.exists(notes):
        with open(notes) as f:
            L.append(f.read().rstrip("\n"))
        L.append("")
    L.append(EXTRA_END)
    text = "\n".join(L) + "\n"
    with open(os.path.join(out_dir, "section.md"), "w") as f:
        f.write(text)
    if doc and os.path.exists(doc):
        with open(doc) as f:
            page = f.read()
        if EXTRA_BEGIN in page and EXTRA_END in page:
            page = page[:page.index(EXTRA_BEGIN)] + text.rstrip("\n") + page[page.index(EXTRA_END) + len(EXTRA_END):]
        else:
            page = page.rstrip("\n") + "\n\n" + text
        with open(doc, "w") as f:
            f.write(page)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["run", "report", "compare", "list"])
    ap.add_argument("--base", help="compare: a base summary.csv to compare AUTO's Δ with")
    ap.add_argument("--quick", action="store_true", help="3 small cells, 3 seeds, into results-quick/")
    ap.add_argument("--cells", help="comma-separated cell names (default: the whole grid, or the quick cells)")
    ap.add_argument("--seeds", type=int, help="seeds per strategy (default 10, quick 3)")
    ap.add_argument("--out", help="results directory (default bench/quality/results[-quick])")
    ap.add_argument("--work", default=os.path.join(HERE, "work"), help="data CSVs and simulate's plots")
    ap.add_argument("--threads", type=int, default=0, help="simulate --threads")
    ap.add_argument("--rerun", help="run: rerun only these strategies (e.g. AUTO) on the cells already "
                    "finished and replace their rows; cells not finished yet run in full")
    ap.add_argument("--strategies", help="run: on cells not run yet, only these strategies (e.g. RANDOM,AUTO "
                    "on a long cell); `--rerun` adds the others later")
    ap.add_argument("--doc", help="report: the page to write (default docs/quality.md, only for the default "
                    "full results; a run into --out leaves the committed page alone)")
    ap.add_argument("--extra", action="store_true", help="the extra strategies (BADGE, BALD, +BALANCE) "
                    "into results/extra/; report: their section of docs/quality.md")
    a = ap.parse_args()
    if a.extra:
        STRATEGIES[:] = EXTRA_STRATEGIES
    out_dir = a.out or (os.path.join(results_dir(a.quick), "extra") if a.extra else results_dir(a.quick))
    seeds = a.seeds or (QUICK_SEEDS if a.quick else FULL_SEEDS)
    if a.cells:
        chosen = [CELL_BY_NAME[n] for n in a.cells.split(",")]
    else:
        chosen = [c for c in CELLS if c["quick"]] if a.quick else CELLS
    if a.mode == "list":
        for c in chosen:
            k, p = n_classes_and_pool(c)
            print("%-22s %s; budgets %s" % (c["name"], c["what"], ",".join(map(str, ladder(k, p)))))
        return 0
    if a.mode == "run":
        exe = simulate_binary()
        for c in chosen:
            done = os.path.exists(os.path.join(out_dir, "runs", c["name"] + ".json"))
            if a.rerun and done:
                rerun_cell(c, seeds, out_dir, a.work, exe, a.threads, a.rerun.split(","))
            else:
                run_cell(c, seeds, out_dir, a.work, exe, a.threads,
                         a.strategies.split(",") if a.strategies else None)
        return 0
    cells = load_runs(out_dir)
    rows = summarise(cells)
    if a.mode == "report" and a.extra:
        os.makedirs(out_dir, exist_ok=True)
        write_summary(rows, out_dir)
        write_extra_section(cells, rows, out_dir, a.doc or os.path.join(ROOT, "docs", "quality.md"))
        print("wrote %s/summary.csv, section.md (%d cells)" % (out_dir, len(cells)))
        return 0
    if a.mode == "report":
        os.makedirs(out_dir, exist_ok=True)
        write_summary(rows, out_dir)
        print("wrote %s/summary.csv, summary.json (%d cells)" % (out_dir, len(cells)))
        doc = a.doc or (os.path.join(ROOT, "docs", "quality.md") if not a.quick and not a.out else None)
        if doc and rows:
            seeds_seen = sorted({r["n"] for r in rows})
            metas = [cd["meta"] for cd in cells.values()]
            done = sorted(m["finished"] for m in metas)
            note = ("Seeds per cell: %s. Engine at commit %s; cells finished %s to %s on a shared %d-core "
                    "machine (%.0f s of wall time in all)." % (
                        ", ".join(map(str, seeds_seen)), ", ".join(sorted({m["commit"] for m in metas})),
                        done[0], done[-1], os.cpu_count() or 0, sum(m["seconds"] for m in metas)))
            groups = {}
            for m in metas:
                for r in m.get("reruns") or ([m["rerun"]] if "rerun" in m else []):
                    groups.setdefault(",".join(r["strategies"]), []).append(r)
            for what, reruns in sorted(groups.items()):
                note += (" %s rerun on %d of these cells (`run.sh --rerun %s`, the other strategies' rows kept: "
                         "they are deterministic per seed) at commit %s, finished %s to %s (%.0f s)." % (
                             what.replace(",", " and "), len(reruns), what,
                             ", ".join(sorted({r["commit"] for r in reruns})),
                             min(r["finished"] for r in reruns), max(r["finished"] for r in reruns),
                             sum(r["seconds"] for r in reruns)))
            write_doc(cells, rows, doc, note)
            print("wrote " + doc)
        return 0
    base_rows = read_summary(a.base) if a.base else None
    return compare(rows, base_rows)


if __name__ == "__main__":
    sys.exit(main())
