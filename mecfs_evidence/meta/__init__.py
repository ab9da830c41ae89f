"""Generic meta-analysis engine (checked against R's metafor 3.8).

A self-contained subpackage: it depends on numpy, scipy, pandas and matplotlib only, and imports
nothing from the book's topic modules (``memantine``, ``ketamine``, ...), which import it. Modules:

``effect_sizes``
    :func:`escalc` and :class:`EffectSizes`: PLO/PAS/PR/GEN, and the two-group measures
    SMD/MD/RR/OR/RD, which it takes from ``two_group``.
``two_group``
    ``escalc_two_group``: two-group effect sizes exactly as metafor's ``escalc``.
``conversions``
    effect sizes and SDs from reported t, F, p, SE and CIs; crossover trials (Cochrane Handbook).
``heterogeneity``
    tau² estimators (DL, PM, REML) and the Q-profile interval.
``results``
    :class:`PoolResult` (the object every model returns) and :func:`back_transform`.
``models``
    :func:`pool`, :func:`leave_one_out`, :func:`summary_frame`, :func:`sensitivity_table`, and
    re-exports of :func:`glmm` (module ``binomial_glmm``) and :func:`bayes` (module
    ``bayes_grid``).
``subgroups``
    :func:`subgroup_analysis`: per-subgroup fits, RevMan's test (separate tau²) and metafor's
    moderator test (common tau²).
``forest``
    :func:`forest_plot` (all measures, subgroups, extra and dot columns) and
    :func:`forest_rows` (rows given as numbers, no pooling); text columns laid out by measuring.
``cli``
    ``python -m mecfs_evidence pool FILE.csv``.

The dependency order is two_group -> conversions -> effect_sizes -> heterogeneity -> results ->
binomial_glmm, bayes_grid -> models -> subgroups -> forest, cli; no module imports one later in
that order (tests/test_meta_layout.py checks that there is no cycle). Names are loaded lazily, so
``import mecfs_evidence.meta.cli`` stays light (numpy and scipy are imported only when needed).
"""
from __future__ import annotations

import importlib

_LAZY = {
    "EffectSizes": "effect_sizes", "escalc": "effect_sizes", "transform": "effect_sizes",
    "inverse_transform": "effect_sizes", "study_intervals": "effect_sizes", "MEASURES": "effect_sizes",
    "PROPORTION_MEASURES": "effect_sizes",
    "PoolResult": "results", "back_transform": "results", "DICT_KEYS": "results",
    "pool": "models", "leave_one_out": "models", "summary_frame": "models", "sensitivity_table": "models",
    "METHODS": "models", "CI_METHODS": "models",
    "glmm": "binomial_glmm", "glmm_loglik": "binomial_glmm",
    "bayes": "bayes_grid", "BayesResult": "bayes_grid", "TAU_PRIOR_SCALE": "bayes_grid",
    "forest_plot": "forest", "forest_rows": "forest",
    "subgroup_analysis": "subgroups", "SubgroupResult": "subgroups",
    "escalc_two_group": "two_group",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
