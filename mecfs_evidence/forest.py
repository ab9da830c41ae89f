"""The book's forest plot: the engine's :func:`mecfs_evidence.meta.forest.forest_plot` drawn in
the book's house style (:func:`mecfs_evidence.plots.apply_style` first)."""
from __future__ import annotations

__all__ = ["forest_plot"]


def forest_plot(res, ax=None, **kwargs):
    """Apply the house style, then draw :func:`mecfs_evidence.meta.forest.forest_plot`."""
    from . import plots
    from .meta.forest import forest_plot as _forest_plot

    plots.apply_style()
    return _forest_plot(res, ax, **kwargs)
