"""The locks: every package pinned with hashes, the package itself not in the lock, JupyterLab only
in the optional lab lock, and the installer pinned."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def requirements(name: str) -> dict[str, list[str]]:
    """name -> hashes, from a `uv pip compile --generate-hashes` file (continuation lines joined)."""
    text = (ROOT / name).read_text(encoding="utf-8").replace("\\\n", " ")
    out = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        assert not line.startswith("-e"), f"{name}: an editable line cannot be hashed: {line}"
        m = re.match(r"^([A-Za-z0-9_.\-\[\]]+)==(\S+)\s*(.*)$", line)
        assert m, f"{name}: not an exact pin: {line}"
        out[m.group(1).lower().replace("_", "-")] = re.findall(r"--hash=sha256:([0-9a-f]{64})", m.group(3))
    return out


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-lab.txt", "requirements-uv.txt"])
def test_every_pin_has_hashes(name):
    reqs = requirements(name)
    assert reqs
    assert not [k for k, h in reqs.items() if not h], f"{name}: pins without hashes"


def test_the_book_lock_has_its_direct_dependencies_and_not_jupyterlab():
    reqs = requirements("requirements.txt")
    direct = [ln.split("==")[0].strip().lower() for ln in (ROOT / "requirements.in").read_text().splitlines()
              if ln.strip() and not ln.startswith("#")]
    assert set(direct) <= set(reqs)
    assert "axe-playwright-python" in reqs and "uv" not in reqs and "jupyterlab" not in reqs


def test_lab_lock_pins_jupyterlab_and_agrees_with_the_book_lock():
    book, lab = requirements("requirements.txt"), requirements("requirements-lab.txt")
    assert "jupyterlab" in lab
    text = (ROOT / "requirements.txt").read_text()
    lab_text = (ROOT / "requirements-lab.txt").read_text()
    for pkg in set(book) & set(lab):
        v_book = re.search(rf"^{re.escape(pkg)}==(\S+)", text, re.M | re.I)
        v_lab = re.search(rf"^{re.escape(pkg)}==(\S+)", lab_text, re.M | re.I)
        if v_book and v_lab:
            assert v_book.group(1) == v_lab.group(1), pkg


def test_the_installer_is_pinned():
    assert list(requirements("requirements-uv.txt")) == ["uv"]
