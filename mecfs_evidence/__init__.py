"""Companion package of the book *NMDA-receptor antagonists and ME/CFS*.

Modules: ``data`` (load and validate the tables in ``data/``), ``pooling`` (meta-analysis,
checked against metafor), ``dosing`` (dose arithmetic), ``power`` (trial sizes),
``plots`` (figures in one house style).
"""
__version__ = "0.1.0"
