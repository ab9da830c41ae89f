"""The verification log covers every reference and every published number.

``data/verification.csv`` records one check per row (columns ``item, claim, record, result,
note``). These tests fail when:

* a key of ``references.bib`` has no verification row;
* a row of ``published_evidence.csv`` has no verification row;
* a verified-facts row id used in a ``fact`` column has no verification row;
* an entry that the book cites (a bib key) was checked with the result "not found";
* the log has a malformed row (unknown result, empty record).

Every helper takes its inputs as arguments, so each check is also shown failing on a broken copy.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from pybtex.database import parse_file

from mecfs_evidence import data

ROOT = Path(__file__).resolve().parent.parent
RESULTS = {"confirmed", "corrected", "could not be checked", "not found"}


def _log() -> list[dict]:
    with open(ROOT / "data" / "verification.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _bib_keys() -> set[str]:
    return set(parse_file(str(ROOT / "references.bib"), bib_format="bibtex").entries)


def _published_ids() -> set[str]:
    return set(data.load("published_evidence")["id"])


def _fact_ids() -> set[str]:
    ids = set(data.load("published_evidence")["fact"])
    for cell in data.load("certainty")["fact"].dropna():
        ids |= {x for x in str(cell).split(";") if x}
    return ids


def missing_items(wanted: set[str], log: list[dict]) -> set[str]:
    """Items in ``wanted`` with no row in the verification ``log``."""
    return set(wanted) - {r["item"] for r in log}


def cited_but_not_found(bib_keys: set[str], log: list[dict]) -> set[str]:
    """Bib keys (cited entries) whose verification result is "not found"."""
    return {r["item"] for r in log if r["item"] in bib_keys and r["result"] == "not found"}


def malformed(log: list[dict]) -> list[str]:
    bad = []
    for i, r in enumerate(log, start=2):
        if r["result"] not in RESULTS:
            bad.append(f"line {i}: result {r['result']!r}")
        if not r["record"].strip() or not r["claim"].strip():
            bad.append(f"line {i}: empty claim or record")
    return bad


def test_header_is_exact():
    with open(ROOT / "data" / "verification.csv", newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == ["item", "claim", "record", "result", "note"]


def test_loads_through_the_package_schema():
    df = data.load("verification")
    assert set(df["result"]) <= RESULTS


def test_every_bib_key_has_a_verification_row():
    assert not missing_items(_bib_keys(), _log())


def test_every_published_evidence_row_has_a_verification_row():
    assert not missing_items(_published_ids(), _log())


def test_every_fact_id_used_has_a_verification_row():
    assert not missing_items(_fact_ids(), _log())


def test_no_cited_entry_is_not_found():
    assert not cited_but_not_found(_bib_keys(), _log())


def test_log_is_well_formed():
    assert not malformed(_log())


def test_removed_reference_is_logged_and_gone():
    """hannestad2007 could not be found: it is logged as such and no longer in the bibliography."""
    log = {r["item"]: r for r in _log()}
    assert log["hannestad2007"]["result"] == "not found"
    assert "hannestad2007" not in _bib_keys()


# --- the checks fail on broken copies -------------------------------------------------------

def test_missing_bib_key_is_caught():
    log = [r for r in _log() if r["item"] != "saligan2016"]
    assert missing_items(_bib_keys(), log) == {"saligan2016"}


def test_missing_published_row_is_caught():
    log = [r for r in _log() if r["item"] != "sorensen-n"]
    assert missing_items(_published_ids(), log) == {"sorensen-n"}


def test_cited_not_found_is_caught():
    log = _log() + [{"item": "saligan2016", "claim": "x", "record": "y", "result": "not found", "note": ""}]
    assert cited_but_not_found(_bib_keys(), log) == {"saligan2016"}


def test_malformed_row_is_caught():
    log = [{"item": "x", "claim": "c", "record": "", "result": "maybe", "note": ""}]
    assert len(malformed(log)) == 2


def test_records_name_an_identifier():
    """Each record names a PMID, DOI, NCT, PMC id or a web address (or points to another row)."""
    ident = re.compile(r"PMID|PubMed|doi:|10\.\d{4}|NCT\d{8}|PMC\d+|\w+\.(?:org|com|gov|net|de|edu|se|info|cn|uk|au|be)\b"
                       r"|^See |^As M1|MEDLINE|Searches", re.IGNORECASE)
    bad = [r["item"] for r in _log() if not ident.search(r["record"])]
    assert not bad, f"records without an identifier: {bad}"


@pytest.mark.parametrize("item", ["saligan2026", "saligan_disentangling"])
def test_secondary_only_records_are_marked_could_not_be_checked(item):
    log = {r["item"]: r for r in _log()}
    assert log[item]["result"] == "could not be checked"
