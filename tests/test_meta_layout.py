"""The engine subpackage mecfs_evidence.meta is self-contained: it imports no module of the book
(topic modules such as memantine or ketamine, nor data/plots), and its modules form no import
cycle (every import, including the ones inside functions, is counted)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

META = Path(__file__).resolve().parent.parent / "mecfs_evidence" / "meta"
ALLOWED_THIRD_PARTY = {"numpy", "scipy", "pandas", "matplotlib"}


def _imports(path: Path):
    """(internal meta modules imported, external top-level packages imported) of one file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    internal, external = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                external.add(a.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                external.add(node.module)
            elif node.level == 1:
                if node.module:
                    internal.add(node.module.split(".")[0])
                else:
                    internal.update(a.name for a in node.names)
            else:
                external.add("." * node.level + (node.module or ""))  # reaches outside meta/
    return internal, external


def _graph():
    mods = {p.stem: p for p in META.glob("*.py") if p.stem != "__init__"}
    graph, external = {}, {}
    for name, path in mods.items():
        internal, ext = _imports(path)
        graph[name] = {m for m in internal if m in mods}
        external[name] = ext
    return graph, external


def _find_cycle(graph):
    state = {}

    def visit(n, stack):
        state[n] = 1
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                return stack + [n, m]
            if m not in state:
                c = visit(m, stack + [n])
                if c:
                    return c
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            c = visit(n, [])
            if c:
                return c
    return None


def test_meta_imports_nothing_from_the_book():
    _, external = _graph()
    std = set(sys.stdlib_module_names)
    for name, ext in external.items():
        for mod in ext:
            top = mod.split(".")[0]
            assert not mod.startswith("."), f"meta/{name}.py reaches outside meta/ with a relative import {mod!r}"
            assert top != "mecfs_evidence", f"meta/{name}.py imports {mod!r} from the book"
            assert top in std or top in ALLOWED_THIRD_PARTY, f"meta/{name}.py imports {mod!r}"


def test_meta_has_no_import_cycle():
    graph, _ = _graph()
    assert {"effect_sizes", "heterogeneity", "results", "models", "binomial_glmm", "bayes_grid", "forest", "cli"} <= set(graph)
    assert _find_cycle(graph) is None, f"import cycle: {' -> '.join(_find_cycle(graph))}"


def test_cycle_finder_can_fail():
    assert _find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module", ["mecfs_evidence.meta.models", "mecfs_evidence.meta.forest",
                                    "mecfs_evidence.meta.cli"])
def test_importing_the_engine_loads_no_topic_module(module):
    code = (f"import sys, {module} as m, mecfs_evidence.meta as pkg\n"
            "[getattr(pkg, n) for n in pkg.__all__]\n"
            "bad = sorted(n for n in sys.modules if n.startswith('mecfs_evidence.') and not n.startswith('mecfs_evidence.meta'))\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=META.parent.parent)
    assert out.stdout.strip() == "", f"importing {module} loaded {out.stdout.strip()}"


def test_public_names_are_the_functions_not_modules():
    import mecfs_evidence.meta as meta
    import mecfs_evidence.meta.models  # noqa: F401  (loads every submodule)

    for name in meta.__all__:
        obj = getattr(meta, name)
        assert not isinstance(obj, type(meta)), f"mecfs_evidence.meta.{name} is a module"
    assert callable(meta.glmm) and callable(meta.bayes) and callable(meta.pool)
