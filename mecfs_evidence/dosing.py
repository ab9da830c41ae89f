"""Dose arithmetic: put the doses a source reports on one footing.

The ketamine summary reports doses per kilogram (mg/kg), as fixed amounts (mg), as
infusions over a stated time, and as rodent doses. The functions here convert between
those units for a stated body weight, turn infusions into rates (mg/kg/h), and scale
animal doses to human-equivalent doses (HED) by body surface area.

This is arithmetic that explains reported numbers. It is not advice: nothing here says
what dose anyone should take.

Body-surface-area scaling follows the FDA's 2005 guidance on first-in-human starting
doses, as reproduced by Nair & Jacob (2016): ``HED (mg/kg) = animal dose (mg/kg) x
animal Km / human Km``, with Km = 3 (mouse), 6 (rat) and 37 (human). An HED is a safety
convention for choosing a starting dose in a first human trial; it does not say that the
human dose has the same effect as the animal dose.
"""
from __future__ import annotations

import math
import textwrap
from typing import Iterable

import numpy as np
import pandas as pd

__all__ = [
    "KM", "DEFAULT_WEIGHTS_KG", "REFERENCE_WEIGHT_KG",
    "human_equivalent_dose", "mg_per_kg_to_mg", "mg_to_mg_per_kg", "infusion_rate",
    "multiple_of", "regimens_by_weight", "weight_table", "merge_duplicate_regimens", "infusion_table",
    "hed_table", "fixed_dose_facts", "fixed_dose_by_weight", "dose_map_table", "dose_weight_figure", "dose_map_figure",
    "maintenance_dose", "implied_body_weight", "UNPRINTED_FIGURES", "traceable",
]

#: Km factors (body weight / body surface area, kg/m²) from the FDA 2005 guidance (Nair & Jacob 2016).
KM = {"mouse": 3.0, "rat": 6.0, "human": 37.0}

#: Body weights (kg) over which the chapter shows every regimen.
DEFAULT_WEIGHTS_KG = (50, 60, 70, 80, 90, 100)

#: The reference adult body weight (kg) used to place fixed-mg doses on the mg/kg dose map.
REFERENCE_WEIGHT_KG = 70.0

#: Rows of ``dosing.csv`` whose record is verified but does not print the figure itself: the
#: summary's "up to 1,063 mg" maintenance figure matches the case report's maintenance infusions
#: for a heavy patient, but the case report's abstract does not print it.
UNPRINTED_FIGURES = frozenset({"fm-maintenance"})


def traceable(dosing: pd.DataFrame) -> pd.Series:
    """True for each row whose dose figure is printed in a verified record.

    False for the source's own figures (``record_strength`` not ``verified``: a range given with
    no reference, an untraced rodent study) and for :data:`UNPRINTED_FIGURES`. Dose tables grey
    these rows and do not convert them across body weights.
    """
    return (dosing["record_strength"].eq("verified") & ~dosing["id"].isin(UNPRINTED_FIGURES)).set_axis(dosing.index)


def _positive(value, name: str) -> float:
    """``value`` as a float, or ValueError naming ``name`` if it is not a positive finite number."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return x


def _non_negative(value, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return x


def human_equivalent_dose(animal_mg_per_kg: float, species: str) -> float:
    """Human-equivalent dose (mg/kg) of an animal dose, by FDA body-surface-area scaling.

    ``HED = animal_mg_per_kg x Km[species] / Km["human"]``, with Km from :data:`KM`.
    ``species`` is ``"mouse"`` or ``"rat"`` (case-insensitive). Raises ValueError naming
    the argument for a negative or non-numeric dose or an unknown species.

    An HED is a convention for choosing a safe starting dose in a first human trial, not
    a dose with the same effect as the animal dose.
    """
    dose = _non_negative(animal_mg_per_kg, "animal_mg_per_kg")
    if not isinstance(species, str) or species.strip().lower() not in KM or species.strip().lower() == "human":
        known = sorted(k for k in KM if k != "human")
        raise ValueError(f"species must be one of {known}, got {species!r}")
    return dose * KM[species.strip().lower()] / KM["human"]


def mg_per_kg_to_mg(dose_mg_per_kg: float, body_weight_kg: float) -> float:
    """Total dose in mg of a weight-based dose for a body weight in kg."""
    return _non_negative(dose_mg_per_kg, "dose_mg_per_kg") * _positive(body_weight_kg, "body_weight_kg")


def mg_to_mg_per_kg(dose_mg: float, body_weight_kg: float) -> float:
    """Weight-based dose (mg/kg) of a fixed dose in mg for a body weight in kg."""
    return _non_negative(dose_mg, "dose_mg") / _positive(body_weight_kg, "body_weight_kg")


def infusion_rate(dose_mg_per_kg: float, duration_min: float) -> float:
    """Average infusion rate in mg/kg/h of a dose given over ``duration_min`` minutes."""
    return _non_negative(dose_mg_per_kg, "dose_mg_per_kg") / (_positive(duration_min, "duration_min") / 60.0)


def multiple_of(dose_mg_per_kg: float, reference_mg_per_kg: float) -> float:
    """How many times ``reference_mg_per_kg`` the dose is (e.g. 2.857 / 0.5 = 5.7)."""
    return _non_negative(dose_mg_per_kg, "dose_mg_per_kg") / _positive(reference_mg_per_kg, "reference_mg_per_kg")


def _weights(weights_kg: Iterable[float]) -> list[float]:
    ws = [_positive(w, "weights_kg") for w in weights_kg]
    if not ws:
        raise ValueError("weights_kg must hold at least one body weight")
    return ws


def _low_high(row) -> tuple[float, float]:
    lo, hi = row["dose_low"], row["dose_high"]
    lo = np.nan if lo is None else float(lo)
    hi = np.nan if hi is None else float(hi)
    return lo, hi


def regimens_by_weight(dosing: pd.DataFrame, weights_kg: Iterable[float] = DEFAULT_WEIGHTS_KG,
                       humans_only: bool = True) -> pd.DataFrame:
    """Every human regimen of the ``dosing`` table in mg/kg and in mg, for each body weight.

    Long format, one row per regimen and weight, with columns ``id, regimen, weight_kg,
    mg_per_kg_low, mg_per_kg_high, mg_low, mg_high, reported_unit``. A dose given only as
    an upper bound ("up to 1,063 mg") has NaN as its low end. Rodent rows are left out
    (a rodent dose is not a human regimen; see :func:`hed_table`).
    """
    ws = _weights(weights_kg)
    rows = []
    for _, r in dosing.iterrows():
        if humans_only and r["species"] != "human":
            continue
        lo, hi = _low_high(r)
        for w in ws:
            if r["dose_unit"] == "mg/kg":
                kg_lo, kg_hi, mg_lo, mg_hi = lo, hi, lo * w, hi * w
            elif r["dose_unit"] == "mg":
                kg_lo, kg_hi, mg_lo, mg_hi = lo / w, hi / w, lo, hi
            else:
                raise ValueError(f"dosing: row {r['id']!r} has dose_unit {r['dose_unit']!r}; expected 'mg/kg' or 'mg'")
            rows.append({"id": r["id"], "regimen": r["regimen"], "weight_kg": w,
                         "mg_per_kg_low": kg_lo, "mg_per_kg_high": kg_hi,
                         "mg_low": mg_lo, "mg_high": mg_hi, "reported_unit": r["dose_unit"]})
    return pd.DataFrame(rows)


def _fmt_range(lo: float, hi: float, digits: int) -> str:
    if np.isnan(hi):
        return "—"
    if np.isnan(lo):
        return f"up to {hi:,.{digits}f}"
    if math.isclose(lo, hi):
        return f"{hi:,.{digits}f}"
    return f"{lo:,.{digits}f}–{hi:,.{digits}f}"


def _fmt_reported(lo: float, hi: float) -> str:
    """A reported dose or range with the source's own precision: 0.2–0.3, 50, up to 1,063."""
    if np.isnan(lo):
        return f"up to {hi:,g}"
    if math.isclose(lo, hi):
        return f"{hi:,g}"
    return f"{lo:,g}–{hi:,g}"


def weight_table(dosing: pd.DataFrame, unit: str = "mg/kg",
                 weights_kg: Iterable[float] = DEFAULT_WEIGHTS_KG) -> pd.DataFrame:
    """Display table: each human regimen as reported, then in ``unit`` ("mg/kg" or "mg") at each weight.

    A regimen reported in the unit asked for is the same at every weight; the other kind
    changes with weight. Rounded to 2 decimals (mg/kg) or whole mg.
    """
    if unit not in ("mg/kg", "mg"):
        raise ValueError(f"unit must be 'mg/kg' or 'mg', got {unit!r}")
    long = regimens_by_weight(dosing, weights_kg)
    info = dosing.set_index("id")
    lo_col, hi_col, digits = (("mg_per_kg_low", "mg_per_kg_high", 2) if unit == "mg/kg" else ("mg_low", "mg_high", 0))
    out = []
    for rid, g in long.groupby("id", sort=False):
        r = info.loc[rid]
        row = {"regimen": r["regimen"], "as reported": f"{_fmt_reported(*_low_high(r))} {r['dose_unit']}",
               "verdict": r["verdict"]}
        for _, x in g.iterrows():
            row[f"{x['weight_kg']:g} kg"] = _fmt_range(x[lo_col], x[hi_col], digits)
        out.append(row)
    return pd.DataFrame(out).set_index("regimen")


def merge_duplicate_regimens(dosing: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``dosing`` with the same dose, unit, route and species merged into one (for figures).

    The merged row keeps the first row's id and values; its ``regimen`` lists every merged
    regimen joined by " = ", and its ``verdict`` is the first row's.
    """
    cols = ["dose_low", "dose_high", "dose_unit", "route", "species"]
    key = pd.Series(["|".join(repr(v) for v in vals) for vals in dosing[cols].itertuples(index=False)],
                    index=dosing.index)
    rows = []
    for _, g in dosing.groupby(key, sort=False):
        first = g.iloc[0].copy()
        first["regimen"] = " = ".join(g["regimen"])
        rows.append(first)
    return pd.DataFrame(rows).reset_index(drop=True)


def infusion_table(dosing: pd.DataFrame, published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Display table of infusion rates (mg/kg/h): computed where the summary gives a time.

    Regimens in ``dosing`` with an IV route get a computed rate when ``duration_min`` is
    given and "no time given" otherwise. When ``published`` (the ``published_evidence``
    table) is passed, the reported infusion rates of the fibromyalgia case report are
    appended as reported, for comparison.
    """
    rows = []
    for _, r in dosing.iterrows():
        if r["species"] != "human" or r["route"] != "IV":
            continue
        lo, hi = _low_high(r)
        d = r["duration_min"]
        dose = f"{_fmt_reported(lo, hi)} {r['dose_unit']}"
        if d is None or pd.isna(d):
            rate, time = "no time given", "not stated"
        else:
            rate = _fmt_range(infusion_rate(lo, d), infusion_rate(hi, d), 2)
            time = f"{d:g} min"
        rows.append({"regimen": r["regimen"], "dose": dose, "infusion time": time,
                     "rate (mg/kg/h)": rate, "how obtained": "computed" if time != "not stated" else "—",
                     "verdict": r["verdict"]})
    if published is not None:
        g = published[published["id"].isin(["gupta-rate-low", "gupta-rate-high"])].set_index("id")
        if len(g) == 2:
            rows.append({"regimen": "Fibromyalgia case report (Gupta & Bhar 2023), sessions 1–9",
                         "dose": "50 mg, raised to 200 then 240 mg", "infusion time": "not stated",
                         "rate (mg/kg/h)": _fmt_range(g.loc["gupta-rate-low", "value"], g.loc["gupta-rate-high", "value"], 2),
                         "how obtained": "as published", "verdict": "(published record)"})
        m = published[published["id"].isin(["gupta-maint-rate", "gupta-maint-hours"])].set_index("id")
        if len(m) == 2:
            rate, hours = m.loc["gupta-maint-rate", "value"], m.loc["gupta-maint-hours", "value"]
            rows.append({"regimen": "Fibromyalgia case report (Gupta & Bhar 2023), maintenance",
                         "dose": f"{maintenance_dose(rate, hours):g} mg/kg per infusion (rate × time)",
                         "infusion time": f"{hours:g} h",
                         "rate (mg/kg/h)": _fmt_range(rate, rate, 2),
                         "how obtained": "as published", "verdict": "(published record)"})
    return pd.DataFrame(rows).set_index("regimen")


def maintenance_dose(rate_mg_per_kg_h: float, hours: float) -> float:
    """Dose per infusion in mg/kg from an infusion rate (mg/kg/h) and its length (h): rate × hours."""
    return _positive(rate_mg_per_kg_h, "rate_mg_per_kg_h") * _positive(hours, "hours")


def implied_body_weight(dose_mg: float, dose_mg_per_kg: float) -> float:
    """The body weight (kg) at which a dose in mg equals a dose in mg/kg: mg ÷ (mg/kg)."""
    return _positive(dose_mg, "dose_mg") / _positive(dose_mg_per_kg, "dose_mg_per_kg")


def hed_table(dosing: pd.DataFrame, species: Iterable[str] = ("mouse", "rat"),
              reference_weight_kg: float = REFERENCE_WEIGHT_KG) -> pd.DataFrame:
    """Display table: each rodent dose of ``dosing`` as an HED (mg/kg) for each species, and in mg
    at ``reference_weight_kg``, with the multiple of the 0.5 mg/kg antidepressant dose."""
    w = _positive(reference_weight_kg, "reference_weight_kg")
    rows = []
    for _, r in dosing.iterrows():
        if r["species"] == "human":
            continue
        if r["dose_unit"] != "mg/kg":
            raise ValueError(f"dosing: rodent row {r['id']!r} must be in mg/kg, got {r['dose_unit']!r}")
        dose = float(r["dose_high"])
        for sp in species:
            hed = human_equivalent_dose(dose, sp)
            rows.append({"rodent dose (mg/kg)": f"{dose:g}", "if the species is": sp,
                         "Km ratio": f"{KM[sp]:g}/{KM['human']:g}",
                         "HED (mg/kg)": f"{hed:.2f}", f"HED (mg) at {w:g} kg": f"{hed * w:.0f}",
                         "× 0.5 mg/kg": f"{multiple_of(hed, 0.5):.1f}×"})
    return pd.DataFrame(rows).set_index(["rodent dose (mg/kg)", "if the species is"])


def fixed_dose_facts(dose_low_mg: float, dose_high_mg: float, reference_mg_per_kg: float,
                     reference_weight_kg: float = REFERENCE_WEIGHT_KG,
                     weights_kg: Iterable[float] = DEFAULT_WEIGHTS_KG) -> dict[str, str]:
    """Formatted facts about a fixed-dose range (mg), for prose.

    Keys: ``low_at_ref``, ``high_at_ref`` (mg/kg at the reference weight, 3 and 2 decimals),
    ``low_multiple``, ``high_multiple`` (× ``reference_mg_per_kg``), ``span`` (mg/kg from the
    low dose at the heaviest weight to the high dose at the lightest) and ``span_multiple``.
    """
    lo, hi = _non_negative(dose_low_mg, "dose_low_mg"), _non_negative(dose_high_mg, "dose_high_mg")
    if lo > hi:
        raise ValueError(f"dose_low_mg ({lo:g}) must not exceed dose_high_mg ({hi:g})")
    w = _positive(reference_weight_kg, "reference_weight_kg")
    ws = _weights(weights_kg)
    ref = _positive(reference_mg_per_kg, "reference_mg_per_kg")
    least, most = mg_to_mg_per_kg(lo, max(ws)), mg_to_mg_per_kg(hi, min(ws))
    return {
        "low_at_ref": f"{mg_to_mg_per_kg(lo, w):.3f} mg/kg",
        "high_at_ref": f"{mg_to_mg_per_kg(hi, w):.2f} mg/kg",
        "low_multiple": f"{multiple_of(mg_to_mg_per_kg(lo, w), ref):.1f}×",
        "high_multiple": f"{multiple_of(mg_to_mg_per_kg(hi, w), ref):.1f}×",
        "span": f"{least:.2f}–{most:.2f} mg/kg",
        "span_multiple": f"{multiple_of(least, ref):.1f}–{multiple_of(most, ref):.1f}×",
    }


def fixed_dose_by_weight(dose_mg: float, weights_kg: Iterable[float] = DEFAULT_WEIGHTS_KG,
                         reference_mg_per_kg: float | None = None) -> pd.DataFrame:
    """Display table: a fixed dose (mg) in mg/kg at each body weight, optionally as a multiple
    of ``reference_mg_per_kg``."""
    dose = _non_negative(dose_mg, "dose_mg")
    rows = []
    for w in _weights(weights_kg):
        row = {"body weight (kg)": f"{w:g}", "mg/kg": f"{mg_to_mg_per_kg(dose, w):.2f}"}
        if reference_mg_per_kg is not None:
            row[f"× {reference_mg_per_kg:g} mg/kg"] = f"{multiple_of(mg_to_mg_per_kg(dose, w), reference_mg_per_kg):.1f}×"
        rows.append(row)
    return pd.DataFrame(rows).set_index("body weight (kg)")


#: How each kind of point on the dose map is drawn (marker, fill, label). Never colour alone.
#: Characters per line of the dose map's row labels (short enough for a phone's column).
_MAP_WRAP = 22

def _wrap_label(text: str, width: int) -> str:
    """``text`` wrapped at ``width`` characters, never inside a parenthesis ("(as reported)")."""
    import re
    kept = re.sub(r"\([^()]*\)", lambda m: m.group(0).replace(" ", "\u00a0"), text)
    return textwrap.fill(kept, width).replace("\u00a0", " ")


_MAP_KINDS = {
    "human, reported in mg/kg": dict(marker="o", filled=True, colour="blue"),
    "human, reported in mg (at reference weight)": dict(marker="s", filled=True, colour="bluish_green"),
    "unverifiable (no source found)": dict(marker="X", filled=False, colour="vermillion"),
    "rodent dose as reported (not a human dose)": dict(marker="^", filled=False, colour="grey"),
    "rodent dose as HED, mouse or rat": dict(marker="D", filled=True, colour="orange"),
}


def dose_map_table(dosing: pd.DataFrame, reference_weight_kg: float = REFERENCE_WEIGHT_KG) -> pd.DataFrame:
    """Every regimen of ``dosing`` on one mg/kg axis at ``reference_weight_kg``.

    Columns: ``label, kind, low, high`` (mg/kg; ``low == high`` for a single dose), ``verdict``,
    ``reported`` (the dose in mg as the source gives it, for doses reported in mg; else empty).
    Fixed-mg human doses are divided by the reference weight. Rodent doses appear twice:
    as reported (not a human dose) and as the HED range spanning mouse to rat. Rows whose
    verdict is "unverifiable" get their own kind.
    """
    w = _positive(reference_weight_kg, "reference_weight_kg")
    rows = []
    for _, r in dosing.iterrows():
        lo, hi = _low_high(r)
        if np.isnan(lo):
            lo = hi  # "up to X": only the upper bound is placed
        if r["species"] == "human":
            if r["dose_unit"] == "mg":
                lo, hi = lo / w, hi / w
                kind = "human, reported in mg (at reference weight)"
                reported = f"{_fmt_range(*_low_high(r), 0)} mg"
                label = f"{r['regimen']} ({reported})"
            else:
                kind = "human, reported in mg/kg"
                label, reported = r["regimen"], ""
            if r["verdict"] == "unverifiable":
                kind = "unverifiable (no source found)"
            rows.append({"id": r["id"], "label": label, "kind": kind, "low": lo, "high": hi, "verdict": r["verdict"],
                         "reported": reported})
        else:
            rows.append({"id": r["id"], "label": f"{r['regimen']} (as reported)",
                         "kind": "rodent dose as reported (not a human dose)", "low": lo, "high": hi,
                         "verdict": r["verdict"], "reported": ""})
            rows.append({"id": r["id"] + "-hed", "label": f"{r['regimen']}, HED (mouse–rat)",
                         "kind": "rodent dose as HED, mouse or rat",
                         "low": human_equivalent_dose(hi, "mouse"), "high": human_equivalent_dose(hi, "rat"),
                         "verdict": r["verdict"], "reported": ""})
    return pd.DataFrame(rows)


def dose_weight_figure(dosing: pd.DataFrame, weights_kg: Iterable[float] = (50, 100)):
    """Two panels over body weight, one above the other (readable on a phone): each human
    regimen in mg/kg (top) and in mg (bottom).

    Only regimens whose figure a verified record prints (:func:`traceable`) are drawn: the
    source's own ranges and the 1,063 mg maintenance figure are not expanded across body
    weights. Ranges are shaded bands between their ends. Log y-axes. Returns ``(fig, axes)``.
    """
    from . import plots

    ws = _weights(weights_kg)
    grid = np.linspace(min(ws), max(ws), 51)
    # figures that no verified record prints are not drawn across body weights
    dosing = merge_duplicate_regimens(dosing[traceable(dosing)])
    long = regimens_by_weight(dosing, grid)
    fig, axes = plots.new_figure(plots.WIDTH, 7.6, nrows=2, sharex=True)
    colours = [plots.OKABE_ITO[c] for c in ("blue", "orange", "bluish_green", "reddish_purple",
                                             "vermillion", "sky_blue", "black")]
    styles = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), "-"]
    markers = ["o", "s", "^", "D", "X", "v", "P"]
    verdicts = dosing.set_index("id")["verdict"]
    for i, (rid, g) in enumerate(long.groupby("id", sort=False)):
        c, m = colours[i % len(colours)], markers[i % len(markers)]
        unverifiable = verdicts[rid] == "unverifiable"
        ls = (0, (2, 2)) if unverifiable else styles[i % len(styles)]
        label = textwrap.fill(g["regimen"].iloc[0] + (" (unverifiable)" if unverifiable else ""), 48)
        for ax, lo, hi in ((axes[0], "mg_per_kg_low", "mg_per_kg_high"), (axes[1], "mg_low", "mg_high")):
            x = g["weight_kg"].to_numpy()
            ylo, yhi = g[lo].to_numpy(), g[hi].to_numpy()
            ax.plot(x, yhi, color=c, ls=ls, lw=1.8, marker=m, markevery=10, ms=5,
                    label=label if ax is axes[0] else None)
            if not np.all(np.isnan(ylo)) and not np.allclose(ylo, yhi):
                ax.fill_between(x, ylo, yhi, color=c, alpha=0.25, lw=0)
                ax.plot(x, ylo, color=c, ls=ls, lw=1.0)
    for ax, unit, ticks in zip(axes, ("mg/kg", "mg"), ([0.2, 0.5, 1, 2, 5], [20, 50, 100, 200])):
        ax.set_yscale("log")
        ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
        ax.set_ylabel(f"dose ({unit}, log scale)")
    axes[1].set_xlabel("body weight (kg)")
    axes[0].set_title("Each regimen in mg/kg")
    axes[1].set_title("Each regimen in mg")
    fig.legend(loc="outside lower center", ncols=1, frameon=False, fontsize=9)
    return fig, axes


def dose_map_figure(dosing: pd.DataFrame, reference_weight_kg: float = REFERENCE_WEIGHT_KG):
    """One log-scale mg/kg axis with every regimen of ``dosing`` at ``reference_weight_kg``.

    Marker shape and fill, not only colour, tell the kinds apart: human doses (filled
    circle: reported in mg/kg; filled square: reported in mg and divided by the reference
    weight), the unverifiable dose (open X), rodent doses as reported (open triangle: not
    human doses) and their HEDs (filled diamonds, spanning the mouse and rat HED). Ranges
    are drawn as lines between their ends, and each row's value in mg/kg is printed above it.
    Returns ``(fig, ax)``.

    Drawn to be read on a phone (house width, 10 pt text or more): a regimen that the source
    states twice with the same dose (:func:`merge_duplicate_regimens`) is labelled with its
    first name only, so the chapter's caption names the other; the full names are in the
    chapter's tables.
    """
    from . import plots

    merged = merge_duplicate_regimens(dosing)
    merged["regimen"] = [r.split(" = ")[0] for r in merged["regimen"]]
    t = dose_map_table(merged, reference_weight_kg)
    # a dose reported in mg is printed under its mg/kg value, not in the row's label
    t["label"] = [_wrap_label(x.removesuffix(f" ({m})") if m else x, _MAP_WRAP)
                  for x, m in zip(t["label"], t["reported"])]
    fig, ax = plots.new_figure(5.3, 0.64 * len(t) + 2.1)
    y = np.arange(len(t))[::-1]
    seen = set()
    for yi, (_, r) in zip(y, t.iterrows()):
        k = _MAP_KINDS[r["kind"]]
        c = plots.OKABE_ITO[k["colour"]]
        face = c if k["filled"] else "white"
        lab = r["kind"] if r["kind"] not in seen else None
        seen.add(r["kind"])
        if not math.isclose(r["low"], r["high"]):
            ax.plot([r["low"], r["high"]], [yi, yi], color=c, lw=3, solid_capstyle="butt", zorder=2)
            ax.scatter([r["low"], r["high"]], [yi, yi], marker=k["marker"], s=70, facecolor=face,
                       edgecolor=c, linewidth=1.6, zorder=3, label=lab)
            text = f"{r['low']:.2f}–{r['high']:.2f}"
            at, ha, dx = r["low"], "left", -5  # from the range's start
        else:
            ax.scatter([r["high"]], [yi], marker=k["marker"], s=80, facecolor=face, edgecolor=c,
                       linewidth=1.6, zorder=3, label=lab)
            text = f"{r['high']:.2f}" if r["high"] < 10 else f"{r['high']:.1f}"
            at, ha, dx = r["high"], "center", 0
        # above the marker, not beside it: a label to the right would need a wider axis
        text += " mg/kg" + (f"\n({r['reported']})" if r["reported"] else "")
        ax.annotate(text, (at, yi), xytext=(dx, 7), textcoords="offset points", ha=ha, va="bottom",
                    linespacing=1.1, bbox=dict(boxstyle="square,pad=0.05", facecolor="white", edgecolor="none"))
    ax.axvline(0.5, color=plots.OKABE_ITO["black"], lw=0.8, ls=":", zorder=1)
    ax.annotate("0.5 mg/kg", (0.5, y.max() + 0.8), ha="center", va="center",
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none"))
    ax.set_yticks(y, t["label"].tolist(), linespacing=1.1)
    ax.set_xscale("log")
    ax.set_xlim(0.1, 60)
    ax.set_xticks([0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50], ["0.1", "0.2", "0.5", "1", "2", "5", "10", "20", "50"])
    ax.minorticks_off()
    ax.set_ylim(-0.45, len(t) + 0.05)
    ax.set_xlabel(f"dose (mg/kg, log scale);\nmg doses ÷ {reference_weight_kg:g} kg")
    ax.grid(axis="y", visible=False)
    # one column below the axis: a two-column legend is wider than a phone's column
    fig.legend(loc="outside lower center", ncols=1, frameon=False)
    return fig, ax
