"""Seeded datasets for the fuzz comparison with metafor (see benchmarks/fuzz_metafor.py).

    .venv/bin/python benchmarks/fuzz_datasets.py      # writes benchmarks/fuzz_datasets.json

Categories: generic effects, counts, zero-heavy counts, tiny (1e-9) and huge (1e200) variances,
outliers, and "bimodal" sets built to give the REML likelihood two local maxima (precise studies
far apart plus imprecise ones). Counts sets are also fitted by the GLMM, including sets with very
large heterogeneity.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("fuzz_datasets.json")
SEED = 20261121


def generate(seed: int = SEED, n_each: int = 24):
    rng = np.random.default_rng(seed)
    sets = []

    def add(kind, **kw):
        sets.append({"id": f"{kind}-{sum(s['kind'] == kind for s in sets) + 1:03d}", "kind": kind, **kw})

    for _ in range(n_each):
        k = int(rng.integers(2, 16))
        add("generic", yi=rng.normal(0, 1, k).round(4).tolist(), vi=rng.lognormal(-1, 1, k).round(5).tolist())
    for _ in range(n_each):
        k = int(rng.integers(2, 16))
        n = rng.integers(5, 200, k)
        p = 1 / (1 + np.exp(-rng.normal(-0.5, rng.uniform(0, 2.5), k)))
        add("counts", events=rng.binomial(n, p).tolist(), total=n.tolist())
    for _ in range(n_each):
        k = int(rng.integers(3, 12))
        n = rng.integers(5, 60, k)
        p = 1 / (1 + np.exp(-rng.normal(-3, 1.5, k)))
        x = rng.binomial(n, p)
        if x.sum() == 0:
            x[0] = 1
        add("zeroheavy", events=x.tolist(), total=n.tolist())
    for _ in range(n_each // 2):
        k = int(rng.integers(3, 16))
        n = rng.integers(5, 120, k)
        p = 1 / (1 + np.exp(-rng.normal(0, rng.uniform(3, 6), k)))  # very large heterogeneity
        x = rng.binomial(n, p)
        if x.sum() == 0 or (x == n).all():
            x[0] = n[0] // 2
        add("bighet", events=x.tolist(), total=n.tolist())
    for scale in (1e-9, 1e200):
        for _ in range(n_each // 4):
            k = int(rng.integers(3, 10))
            add("tiny" if scale < 1 else "huge", yi=(rng.normal(0, 1, k) * np.sqrt(scale)).tolist(),
                vi=(rng.lognormal(0, 1, k) * scale).tolist())
    for _ in range(n_each // 2):
        k = int(rng.integers(4, 14))
        y = rng.normal(0, 0.3, k)
        y[0] += rng.choice([-1, 1]) * rng.uniform(3, 10)
        add("outlier", yi=y.round(4).tolist(), vi=rng.uniform(0.02, 0.3, k).round(4).tolist())
    for _ in range(n_each):
        k = int(rng.integers(5, 10))
        y = np.concatenate([rng.normal(0, 1.5, 2), rng.normal(0, 2, k - 2)])
        v = np.concatenate([rng.uniform(0.005, 0.02, 2), rng.uniform(0.5, 20, k - 2)])
        add("bimodal", yi=y.round(3).tolist(), vi=v.round(4).tolist())
    return sets


if __name__ == "__main__":
    data = {"seed": SEED, "datasets": generate()}
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {len(data['datasets'])} datasets to {OUT.name}")
