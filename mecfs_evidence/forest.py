"""The book's forest plots: the engine's :func:`mecfs_evidence.meta.forest.forest_plot` (a pooled
analysis) and :func:`mecfs_evidence.meta.forest.forest_rows` (rows given as numbers, no pooling),
drawn in the book's house style (:func:`mecfs_evidence.plots.apply_style` first) and sized to stay
readable on a phone.

The engine lays its text columns out by measuring them, so the figure is as wide as its content.
A figure shown on a phone is scaled to the column (:data:`mecfs_evidence.plots.PHONE_COLUMN_PX`),
so a wide figure's text shrinks: these wrappers draw at the house size (11 pt), measure the saved
width and, if the text would look smaller than :data:`mecfs_evidence.plots.MIN_TEXT_PX`, draw
again with the text just large enough (the text grows faster than the figure it widens, so this
settles in a few rounds). Row labels are wrapped at :data:`LABEL_WRAP` characters.
"""
from __future__ import annotations

__all__ = ["forest_plot", "forest_rows", "LABEL_WRAP", "PLOT_WIDTH", "MAX_GROWTH"]

#: Row labels are wrapped at this many characters.
LABEL_WRAP = 16
#: Width of the plot itself (inches), between the label column and the text columns.
PLOT_WIDTH = 2.0


#: The text is never enlarged beyond this multiple of the house size: a figure that would need
#: more has too much text for a phone and is drawn at the house size (with a warning).
MAX_GROWTH = 1.5


def _phone_sized(draw, ax, kwargs):
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt

    from . import plots

    plots.apply_style()
    if ax is not None:
        return draw(ax=ax, **kwargs)
    kwargs.setdefault("label_wrap", LABEL_WRAP)
    kwargs.setdefault("plot_width", PLOT_WIDTH)
    fs0 = kwargs.pop("fontsize", None) or float(matplotlib.rcParams["font.size"])
    fs = fs0
    for _ in range(8):
        fig, ax = draw(**kwargs, fontsize=fs)
        need = plots.phone_min_pt(fig)
        if fs >= need:
            return fig, ax
        plt.close(fig)
        fs = round(need + 0.15, 1)
        if fs > MAX_GROWTH * fs0:
            break
    warnings.warn("forest plot: too much text to stay readable on a phone; drawn at the house size "
                  "(wrap or shorten the labels, or drop a column)", stacklevel=3)
    return draw(**kwargs, fontsize=fs0)


def forest_plot(res, ax=None, **kwargs):
    """Apply the house style, then draw :func:`mecfs_evidence.meta.forest.forest_plot`.

    With ``ax=None`` the figure is sized for a phone (see the module docstring); an explicit
    ``fontsize`` is the smallest size tried. With an ``ax`` the engine draws into it as is.
    """
    from .meta.forest import forest_plot as _forest_plot

    return _phone_sized(lambda **kw: _forest_plot(res, **kw), ax, kwargs)


def forest_rows(labels, estimate, low, high, ax=None, **kwargs):
    """Apply the house style, then draw :func:`mecfs_evidence.meta.forest.forest_rows` (rows given
    as numbers, no pooled estimate unless ``pooled`` is given), sized like :func:`forest_plot`."""
    from .meta.forest import forest_rows as _forest_rows

    return _phone_sized(lambda **kw: _forest_rows(labels, estimate, low, high, **kw), ax, kwargs)
