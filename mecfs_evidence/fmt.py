"""The book's one number formatter.

Every number a reader sees, in prose (through ``glue``) or in a table (through
:func:`mecfs_evidence.tables.render`), is written by a function of this module, so that the whole
book shares one style:

* a true minus sign (U+2212), never a hyphen;
* thousands separated by commas (``1,063``);
* one interval style: ``55.2% (95% CI 20.2% to 85.7%)``; a range inside a sentence is
  ``20.2% to 85.7%``, never with a dash that a reader could take for a minus sign;
* ``%`` sticks to its number; any other unit follows after a space (``0.75 mg/kg/h``);
* p values as ``p = 0.036`` or ``p < 0.001``;
* a number needed to treat is rounded **up** to a whole person, as convention asks, with the
  unrounded value kept beside it (``7 (6.2 before rounding up)``).

Missing values (``None``, NaN, ``pd.NA``) are written as :data:`MISSING` (an em dash), never as
``nan``.
"""
from __future__ import annotations

import math
from numbers import Real

__all__ = ["MINUS", "MISSING", "is_missing", "number", "count", "percent", "interval", "ci",
           "pvalue", "nnt", "signed"]

MINUS = "\u2212"
MISSING = "\u2014"


def is_missing(x) -> bool:
    """True for ``None``, NaN and pandas' missing markers."""
    if x is None:
        return True
    try:
        import pandas as pd  # local: keeps `import mecfs_evidence.fmt` light
        if x is pd.NA or x is pd.NaT:
            return True
    except ImportError:  # pragma: no cover
        pass
    if isinstance(x, Real):
        return math.isnan(float(x))
    return False


def _unit(text: str, unit: str) -> str:
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def number(x, digits: int = 1, unit: str = "", *, thousands: bool = True, plus: bool = False) -> str:
    """``x`` with ``digits`` decimals, a true minus sign and thousands separators.

    ``number(-1.234, 2)`` is ``'−1.23'``; ``number(1063, 0, 'mg')`` is ``'1,063 mg'``;
    ``plus=True`` writes ``+`` before positive numbers (for changes). A value that rounds to
    zero is written without a sign.
    """
    if is_missing(x):
        return MISSING
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot format a non-finite number ({x})")
    text = f"{abs(x):,.{digits}f}" if thousands else f"{abs(x):.{digits}f}"
    zero = float(text.replace(",", "")) == 0
    sign = "" if zero else (MINUS if x < 0 else ("+" if plus else ""))
    return _unit(sign + text, unit)


def signed(x, digits: int = 1, unit: str = "") -> str:
    """A change, with its sign always written: ``+3.0`` or ``−1.9``."""
    return number(x, digits, unit, plus=True)


def count(n, unit: str = "") -> str:
    """A whole number: ``1,063``. Refuses a non-integer value rather than rounding it silently."""
    if is_missing(n):
        return MISSING
    if float(n) != int(float(n)):
        raise ValueError(f"count() needs a whole number, got {n}")
    return number(int(float(n)), 0, unit)


def percent(x, digits: int = 1, *, proportion: bool = False) -> str:
    """A percentage: ``percent(55.24)`` is ``'55.2%'``; with ``proportion=True`` the input is a
    proportion (``0.5524`` gives ``'55.2%'``)."""
    if is_missing(x):
        return MISSING
    return number(float(x) * (100 if proportion else 1), digits, "%")


def interval(lo, hi, digits: int = 1, unit: str = "", *, proportion: bool = False) -> str:
    """A range inside a sentence: ``20.2% to 85.7%``. The unit is written on both ends."""
    if proportion:
        lo = None if is_missing(lo) else float(lo) * 100
        hi = None if is_missing(hi) else float(hi) * 100
        unit = unit or "%"
    return f"{number(lo, digits, unit)} to {number(hi, digits, unit)}"


def ci(est, lo, hi, digits: int = 1, unit: str = "", *, level: float = 0.95, label: str = "CI",
       proportion: bool = False) -> str:
    """An estimate with its interval, the book's one style: ``55.2% (95% CI 20.2% to 85.7%)``.

    ``label`` names the interval (``'CI'``, ``'prediction interval'``, ``'credible interval'``).
    Pass ``proportion=True`` to write proportions (0-1) as percentages.
    """
    if proportion:
        est = None if is_missing(est) else float(est) * 100
        lo = None if is_missing(lo) else float(lo) * 100
        hi = None if is_missing(hi) else float(hi) * 100
        unit = unit or "%"
    lvl = number(level * 100, 0 if float(level * 100).is_integer() else 1) + "%"
    if is_missing(lo) and is_missing(hi):
        return number(est, digits, unit)
    return f"{number(est, digits, unit)} ({lvl} {label} {interval(lo, hi, digits, unit)})"


def pvalue(p, digits: int = 3) -> str:
    """``p = 0.036``; below ``10**-digits`` it is ``p < 0.001``. Refuses values outside [0, 1]."""
    if is_missing(p):
        return MISSING
    p = float(p)
    if not 0 <= p <= 1:
        raise ValueError(f"a p value lies between 0 and 1, got {p}")
    floor = 10 ** -digits
    if p < floor:
        return f"p < {floor:.{digits}f}"
    text = f"{p:.{digits}f}"
    if float(text) == 1:
        return "p > 0.999" if digits == 3 else f"p = {text}"
    return f"p = {text}"


def nnt(x, digits: int = 1) -> str:
    """A number needed to treat, rounded up to a whole person, with the raw value noted:
    ``nnt(6.2)`` is ``'7 (6.2 before rounding up)'``; a whole number is written alone."""
    if is_missing(x):
        return MISSING
    x = float(x)
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"a number needed to treat is a positive finite number, got {x}")
    up = math.ceil(x - 1e-9)
    if abs(up - x) < 1e-9:
        return count(up)
    return f"{count(up)} ({number(x, digits)} before rounding up)"
