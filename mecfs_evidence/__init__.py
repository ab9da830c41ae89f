"""Companion package of the book *NMDA-receptor antagonists and ME/CFS*.

Modules: ``data`` (load and validate the tables in ``data/``), ``meta`` (the generic
meta-analysis engine, checked against metafor), ``dosing`` (dose arithmetic), ``power`` (trial sizes),
``plots`` (figures in one house style).
"""
__version__ = "0.1.0"
