"""Backward-compatible alias of :mod:`mecfs_evidence.meta.models` (the engine moved to
:mod:`mecfs_evidence.meta`). Kept only so that code written against the old path keeps working
until every importer uses ``mecfs_evidence.meta``; new code imports from ``mecfs_evidence.meta``."""
from .meta.models import *  # noqa: F401,F403
from .meta.models import __all__  # noqa: F401
