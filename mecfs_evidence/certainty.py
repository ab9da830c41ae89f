"""GRADE certainty of the evidence, and the book's Summary of Findings table.

The certainty ratings are data, not prose: ``data/certainty.csv`` holds one row per question
with the GRADE starting level (randomised trials start *high*, non-randomised evidence *low*),
the change for each of the five domains (0, -1 serious, -2 very serious) with its reason, the
final certainty, the ``published_evidence`` rows that give the effect, and a plain-language
statement. This module checks those judgements for internal consistency and renders them.

The functions are small verbs:

* :func:`ratings` -- the table, loaded and checked (:func:`check_ratings` raises
  :class:`CertaintyDataError` naming the question and column when a rating does not add up);
* :func:`expected_certainty` -- the level a starting level and its downgrades imply;
* :func:`rating_steps` -- one row per question and domain (a long table);
* :func:`evidence_profile_table` -- the GRADE evidence profile: start, each domain, final;
* :func:`summary_of_findings` -- the Summary of Findings (a :class:`SummaryOfFindings`, which
  shows itself as the book's table, made by :func:`mecfs_evidence.tables.render`, with footnote
  markers and its footnote list);
* :func:`sof_short_table` -- a four-column version for the landing page;
* :func:`what_would_change_table` -- the study that would raise each row;
* :func:`key_findings` -- the formatted numbers the landing page quotes.

Effects are never typed here: they are formatted from ``published_evidence`` and, for the
blog's unverifiable numbers, taken from :mod:`mecfs_evidence.memantine`.
"""
from __future__ import annotations

import dataclasses
import html
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import data, tables

__all__ = [
    "LEVELS", "DOMAINS", "SYMBOLS", "CertaintyDataError", "Footnote", "SummaryOfFindings",
    "expected_certainty", "check_ratings", "ratings", "rating_steps", "evidence_profile_table",
    "format_result", "summary_of_findings", "sof_short_table", "what_would_change_table",
    "key_findings", "unchecked_table", "item_sources", "NO_SOURCE", "verification_counts", "computed_findings",
]

#: GRADE certainty levels, highest first.
LEVELS = ["high", "moderate", "low", "very low"]
#: The five GRADE domains for rating down: column name -> label.
DOMAINS = {
    "risk_of_bias": "risk of bias",
    "inconsistency": "inconsistency",
    "indirectness": "indirectness",
    "imprecision": "imprecision",
    "publication_bias": "publication bias",
}
#: The usual GRADE symbols: filled circles for the levels of certainty kept.
SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very low": "⊕◯◯◯"}
#: Words a plain-language statement must use at each level (GRADE's standard wording).
_WORDING = {
    "high": ("",),
    "moderate": ("probably",),
    "low": ("may",),
    "very low": ("very uncertain", "do not know"),
}
_TABLE = "certainty"
#: The caption of the Summary of Findings.
SOF_CAPTION = ("Summary of findings for the questions the two source documents raise "
               "(GRADE; the letters point to the footnotes under the table)")
_MINUS = "\u2212"


class CertaintyDataError(data.DataValidationError):
    """A certainty rating does not add up. The message names the file, the question and the column."""


@dataclass(frozen=True)
class Footnote:
    """One footnote of the Summary of Findings: its marker, the domain and the reason."""

    marker: str
    domain: str
    text: str


# --------------------------------------------------------------------------------------------
# Loading and checking
# --------------------------------------------------------------------------------------------

def expected_certainty(starting_level: str, changes) -> str:
    """The certainty a starting level and its downgrades imply, never below "very low".

    >>> expected_certainty("high", [-1, 0, -2, 0, 0])
    'very low'
    """
    if starting_level not in LEVELS:
        raise ValueError(f"starting level must be one of {LEVELS}, got {starting_level!r}")
    total = 0
    for c in changes:
        if c not in (0, -1, -2):
            raise ValueError(f"a domain can only rate down by 0, -1 or -2 levels, got {c!r}")
        total += int(c)
    return LEVELS[min(LEVELS.index(starting_level) - total, len(LEVELS) - 1)]


def _ids(cell) -> list[str]:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)) or pd.isna(cell):
        return []
    return [x for x in str(cell).split(";") if x]


def _text(cell) -> str:
    return "" if cell is None or (not isinstance(cell, str) and pd.isna(cell)) else str(cell).strip()


def check_ratings(df: pd.DataFrame, evidence: pd.DataFrame | None = None, where: str = "data/certainty.csv") -> None:
    """Raise :class:`CertaintyDataError` unless every rating in ``df`` is internally consistent.

    Checks, for each question (row):

    * the final ``certainty`` equals the starting level minus the downgrades (floor: very low);
    * each domain's reason matches its change: "Serious ..." for -1, "Very serious ..." for -2,
      and a reason that does not claim seriousness for 0;
    * the plain-language statement uses GRADE's wording for its level ("very uncertain" or
      "do not know" for very low, "may" for low, "probably" for moderate);
    * every ``published_evidence`` id it cites exists (when ``evidence`` is given);
    * a row without effect evidence says why ("Not estimable: ..." in ``effect_note``).
    """
    need = ["id", "starting_level", "certainty", "plain_language", "evidence", "effect_note",
            *DOMAINS, *(d + "_reason" for d in DOMAINS)]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise CertaintyDataError(f"{where}: missing column(s) {missing}")
    known = set(evidence["id"]) if evidence is not None else None
    for _, row in df.iterrows():
        q = f"{where}, question {row['id']!r}"
        changes = []
        for d, label in DOMAINS.items():
            c = row[d]
            if c is None or pd.isna(c):
                raise CertaintyDataError(f"{q}, column '{d}': no rating for {label}")
            c = int(c)
            if c not in (0, -1, -2):
                raise CertaintyDataError(f"{q}, column '{d}': {c} is not a GRADE downgrade (0, -1 or -2)")
            reason = _text(row[d + "_reason"])
            if not reason:
                raise CertaintyDataError(f"{q}, column '{d}_reason': a reason is required for {label}")
            says = ("very serious" if reason.lower().startswith("very serious")
                    else "serious" if reason.lower().startswith("serious") else "not serious")
            wanted = {0: "not serious", -1: "serious", -2: "very serious"}[c]
            if says != wanted:
                raise CertaintyDataError(
                    f"{q}, column '{d}_reason': the reason reads as {says!r} but {label} is rated {c} "
                    f"(start it with {'Serious' if c == -1 else 'Very serious' if c == -2 else 'Not ...'})")
            changes.append(c)
        start, final = _text(row["starting_level"]), _text(row["certainty"])
        if start not in ("high", "low"):
            raise CertaintyDataError(f"{q}, column 'starting_level': {start!r}; GRADE starts at 'high' or 'low'")
        if final not in LEVELS:
            raise CertaintyDataError(f"{q}, column 'certainty': {final!r} is not one of {LEVELS}")
        implied = expected_certainty(start, changes)
        if final != implied:
            steps = ", ".join(f"{label} {c}" for label, c in zip(DOMAINS.values(), changes) if c)
            raise CertaintyDataError(
                f"{q}, column 'certainty': says {final!r}, but starting at {start!r} and rating down for "
                f"{steps or 'nothing'} gives {implied!r}")
        plain = _text(row["plain_language"]).lower()
        words = _WORDING[final]
        if words != ("",) and not any(w in plain for w in words):
            raise CertaintyDataError(
                f"{q}, column 'plain_language': a {final!r} certainty needs GRADE's wording "
                f"({' or '.join(repr(w) for w in words)})")
        ids = _ids(row["evidence"])
        for col in ("evidence", "comparator_evidence", "indirect_evidence"):
            if col in df.columns and known is not None:
                for i in _ids(row[col]):
                    if i not in known:
                        raise CertaintyDataError(f"{q}, column '{col}': {i!r} is not an id of published_evidence")
        if not ids and not _text(row["effect_note"]).startswith("Not estimable"):
            raise CertaintyDataError(
                f"{q}, column 'effect_note': no effect evidence is listed, so the note must say "
                "'Not estimable: <reason>'")


def ratings(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The certainty table, validated by the loader and by :func:`check_ratings`, in row order."""
    df = data.load(_TABLE, data_dir)
    check_ratings(df, data.load("published_evidence", data_dir))
    return df.sort_values("order").reset_index(drop=True)


def rating_steps(df: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per question and domain: ``question, domain, change, reason`` (long format)."""
    df = ratings() if df is None else df
    rows = []
    for _, r in df.iterrows():
        for d, label in DOMAINS.items():
            rows.append({"question": r["question"], "domain": label, "change": int(r[d]),
                         "reason": _text(r[d + "_reason"])})
    return pd.DataFrame(rows)


def _signed(c: int) -> str:
    return "0" if c == 0 else f"{_MINUS}{abs(c)}"


def evidence_profile_table(df: pd.DataFrame | None = None) -> pd.DataFrame:
    """The GRADE evidence profile: starting level, the change in each domain, and the result."""
    df = ratings() if df is None else df
    out = pd.DataFrame({
        "question": df["question"].to_numpy(),
        "starts at": df["starting_level"].to_numpy(),
        **{label: [_signed(int(c)) for c in df[d]] for d, label in DOMAINS.items()},
        "certainty": [f"{SYMBOLS[c]} {c}" for c in df["certainty"]],
    })
    return out.set_index("question")


# --------------------------------------------------------------------------------------------
# Formatting published results
# --------------------------------------------------------------------------------------------

def _decimals(x: float) -> int:
    s = f"{abs(float(x)):.10f}".rstrip("0")
    return len(s.split(".")[1]) if "." in s else 0


def _num(x: float, decimals: int) -> str:
    s = f"{float(x):.{decimals}f}"
    return s.replace("-", _MINUS)


_UNITLESS = {"SD", "F", "p", "patients", ""}


def _unit(u) -> str:
    u = _text(u)
    if u in _UNITLESS:
        return ""
    return u if u == "%" else f" {u}"


def _when(t: str) -> str:
    return f"the {t}" if t.startswith("end of") else t


def format_result(row, decimals: int | None = None, label: bool = True, statistic: bool = True,
                  timepoint: bool = True) -> str:
    """One ``published_evidence`` row as text: "arm: statistic value (95% CI lo to hi), p=…, at timepoint".

    ``decimals`` sets the decimals of the value (default: as stored). The interval keeps the
    decimals of its more precise limit, so 2.0 to 32.6 is not shown as 2 to 32.6. Minus signs
    are typographic (U+2212).
    """
    d = _decimals(row["value"]) if decimals is None else decimals
    out = (f"{row['statistic']} " if statistic else "") + f"{_num(row['value'], d)}{_unit(row['unit'])}"
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if lo is not None and hi is not None and not pd.isna(lo) and not pd.isna(hi):
        cd = max(_decimals(lo), _decimals(hi))
        out += f" (95% CI {_num(lo, cd)} to {_num(hi, cd)})"
    p = row.get("p_value")
    if p is not None and not pd.isna(p) and _text(row["unit"]) != "p":
        out += f", p={_num(p, _decimals(p))}"
    t = _text(row.get("timepoint")) if timepoint else ""
    if t:
        out += f", at {_when(t)}"
    if label:
        out = f"{row['arm']}: {out}"
    return out


def _format_group(ev: pd.DataFrame, ids: list[str]) -> list[str]:
    """Format evidence rows, one string per statistic and time point.

    Rows sharing a statistic get the same decimals. When they differ only by arm they are
    listed together: "Mean % change at day 3: ketamine, period 1 −21.0%; ketamine, period 2 −10.9%".
    """
    rows = ev.loc[ids]
    out = []
    for (stat, t), g in rows.groupby(["statistic", rows["timepoint"].fillna("")], sort=False):
        dec = max(_decimals(x) for x in g["value"])
        if len(g) == 1:
            text = format_result(g.iloc[0], decimals=dec, label=False)
        else:
            head = stat + (f" at {_when(t)}" if t else "")
            text = head + ": " + "; ".join(
                f"{r['arm']} {format_result(r, decimals=dec, label=False, statistic=False, timepoint=False)}"
                for _, r in g.iterrows())
        out.append(text[0].upper() + text[1:])
    return out


def _participants(ev: pd.DataFrame, ids: list[str]) -> tuple[int, int]:
    """(participants, studies): the largest n of each distinct reference among ``ids``, summed."""
    if not ids:
        return 0, 0
    rows = ev.loc[ids]
    per = rows.groupby("reference")["n"].max()
    return int(per.sum()), int(len(per))


def _comparator(ev: pd.DataFrame, ids: list[str]) -> list[str]:
    """Comparator cells: a pooled placebo response is named as such; other rows as formatted."""
    out = []
    plac = [i for i in ids if ev.loc[i, "drug"] == "placebo"]
    for i in plac:
        r = ev.loc[i]
        out.append(f"Placebo response in {r['condition']} trials: "
                   + format_result(r, label=False, statistic=False, timepoint=False))
    rest = [i for i in ids if i not in plac]
    if len(rest) == 1:
        r = ev.loc[rest[0]]
        d = max(_decimals(r["value"]), 1 if "points" in _text(r["unit"]) else 0)
        text = format_result(r, decimals=d, label=False)
        return out + [f"{str(r['arm']).capitalize()} arm: {text}"]
    return out + (_format_group(ev, rest) if rest else [])


def _unverifiable_memantine() -> str:
    """What the blog's unverifiable numbers would show, pooled (from :mod:`mecfs_evidence.memantine`)."""
    from . import memantine

    s = memantine.primary_summary()
    return (f"What the blog's unverifiable numbers would show, taken at face value: "
            f"{100 * s['estimate']:.1f}% 'improved' (95% CI {100 * s['ci_low']:.1f}% to {100 * s['ci_high']:.1f}%), "
            f"pooled from {s['k']} single-arm reports without a control group; this is not an effect")


def _pp(x: float) -> str:
    return ("+" if x > 0 else "") + _num(x, 1)


def _ketamine_pilot_difference() -> str:
    """Ketamine minus midazolam per period (from :func:`mecfs_evidence.ketamine.period_differences`),
    and the authors' own primary criterion, met in period 1 only."""
    from . import ketamine

    ev = data.load("published_evidence")
    diffs = ketamine.period_differences(ev)
    parts = [f"{_pp(r['difference_pp'])} points ({r['period']})" for _, r in diffs.iterrows()]
    e = ev.set_index("id")
    crit = float(e.loc["nct-criterion", "value"])
    k1, m1 = float(e.loc["nct-ket-p1", "value"]), float(e.loc["nct-mid-p1", "value"])
    d1 = float(e.loc["nct-ket-day1", "value"])
    return ("Ketamine minus midazolam (the book's arithmetic): " + ", ".join(parts)
            + "; no SDs were reported, so no interval can be computed. "
            + f"Ketamine met the authors' primary criterion (a fall of at least {abs(crit):g}%) in period 1 only "
            + f"({_num(k1, 1)}%, against {_num(m1, 1)}% on midazolam); its largest fall, {_num(d1, 1)}% at day 1, "
            + "is from period 1 only")


def _saligan_interval() -> str:
    """The book's approximate interval for Saligan's d (from :mod:`mecfs_evidence.ketamine`)."""
    from . import ketamine

    r = data.load("published_evidence").set_index("id").loc["saligan-d-day2"]
    d, n = float(r["value"]), int(r["n"])
    _, lo_z, hi_z = ketamine.cohen_d_ci_paired(d, n)
    _, lo_b, hi_b = ketamine.cohen_d_ci_crossover(d, n, 0.0)
    return (f"The paper gives no interval for d; the book's approximate 95% CI is {_num(lo_z, 2)} to {_num(hi_z, 2)} "
            f"if d is within-person, and {_num(lo_b, 2)} to {_num(hi_b, 2)} at its widest "
            "(between-person SD, no within-person correlation)")


#: Extra sentences for the effect cell of a question, computed by another chapter's module.
_EFFECT_EXTRAS = {"memantine-mecfs": _unverifiable_memantine,
                  "ketamine-mecfs": _ketamine_pilot_difference,
                  "ketamine-depression-fatigue": _saligan_interval}


# --------------------------------------------------------------------------------------------
# The Summary of Findings
# --------------------------------------------------------------------------------------------

def _letters(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(97 + r) + s
    return s


@dataclass(frozen=True)
class SummaryOfFindings:
    """The Summary of Findings: a display table, the footnote markers of each row, the footnotes.

    In a notebook it shows itself as the book's table (:meth:`as_table`, made by
    :func:`mecfs_evidence.tables.render`), whose certainty cells carry superscript footnote
    markers linked to the list of footnotes that follows it. ``table`` is the same content as a
    plain DataFrame (markers in square brackets), ``footnotes`` the list of :class:`Footnote`.
    """

    table: pd.DataFrame
    markers: tuple[tuple[str, ...], ...]
    footnotes: tuple[Footnote, ...]
    certainty: tuple[str, ...]
    effects: tuple[tuple[str, ...], ...] = ()
    references: tuple[str, ...] = ()  # the BibTeX keys of each question (``'a;b'``)

    def as_table(self, root: str | None = None) -> tables.Table:
        """The Summary of Findings as the book's table (:func:`mecfs_evidence.tables.render`):
        one row per question, which stacks into a card on a phone and prints as cards when too
        wide for the page. The effect cell keeps one paragraph per result; the certainty cell
        carries the footnote markers, each a link to its footnote; the participants cell links
        the question's sources to the bibliography."""
        esc = html.escape
        df = self.table.reset_index()
        effects = self.effects or tuple((str(v),) for v in self.table["Effect (95% CI)"])
        refs = self.references or ("",) * len(df)
        df["Participants (studies)"] = [
            esc(str(p)) + (f" <br>{tables.cite_link(r, root)}" if r else "")
            for p, r in zip(df["Participants (studies)"], refs)]
        df["Effect (95% CI)"] = [" ".join(f'<p class="sof-effect" style="margin:0 0 0.4em 0">{esc(e)}</p>' for e in eff) for eff in effects]
        df["Certainty"] = [
            f'<span aria-hidden="true">{SYMBOLS[level]}</span> {esc(level.capitalize())}'
            + ("<sup>" + ",".join(f'<a href="#sof-note-{m}">{m}</a>' for m in marks) + "</sup>" if marks else "")
            for marks, level in zip(self.markers, self.certainty)]
        t = tables.render(df, caption=SOF_CAPTION,
                          html_columns=["Participants (studies)", "Effect (95% CI)", "Certainty"], root=root)
        # the plain-text version reads as text, not as HTML entities, and gives the footnote
        # markers in square brackets ("⊕◯◯◯ Very low [a, b, c]")
        k = t.columns.index("Certainty")
        text_rows = tuple(tuple(shown if i == k else html.unescape(x) for i, x in enumerate(row))
                          for row, shown in zip(t.text_rows, self.table["Certainty"]))
        return dataclasses.replace(t, text_rows=text_rows)

    def footnotes_html(self) -> str:
        """The footnotes, each with the id its marker links to."""
        esc = html.escape
        notes = "".join(
            f'<li id="sof-note-{f.marker}"><strong>{f.marker}</strong>&nbsp;{esc(f.text)}</li>' for f in self.footnotes)
        return ('<div class="sof-footnotes-wrap">'
                '<p class="mecfs-table-note"><strong>Footnotes: reasons for rating the certainty down.</strong></p>'
                f'<ul class="sof-footnotes mecfs-table-note" style="list-style:none;padding-left:0">{notes}</ul></div>')

    def to_html(self) -> str:
        """The table (rendered by :mod:`mecfs_evidence.tables`) and its footnotes as an HTML
        fragment (no scripts, no random ids)."""
        return self.as_table().to_html() + self.footnotes_html()

    def to_markdown(self) -> str:
        """The table and its footnotes as plain text (pipe table, then one line per footnote)."""
        cols = [self.table.index.name or "", *self.table.columns]
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for q, r in self.table.iterrows():
            lines.append("| " + " | ".join([str(q), *(str(r[c]).replace("|", "/") for c in self.table.columns)]) + " |")
        lines.append("")
        lines += [f"{f.marker}. {f.text}" for f in self.footnotes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        """The plain-text version, as for every table of the book, then one line per footnote."""
        return "\n".join([repr(self.as_table()), ""] + [f"{f.marker}. {f.text}" for f in self.footnotes])


def summary_of_findings(df: pd.DataFrame | None = None, evidence: pd.DataFrame | None = None,
                        extras: dict | None = None) -> SummaryOfFindings:
    """Render the certainty table as a GRADE Summary of Findings.

    One row per question, with: participants (studies); the effect and its 95% interval, or
    "Not estimable" and why; the comparator's risk where the record gives one; the certainty
    with a footnote marker (a, b, c, …) for the starting level when it is low and for each
    domain rated down; and the plain-language statement. Identical reasons share a marker.

    ``df`` and ``evidence`` default to the book's ``certainty`` and ``published_evidence``
    tables; ``df`` is checked with :func:`check_ratings` first. ``extras`` maps a question id to
    a function returning one more sentence for its effect cell (default: the memantine chapter's
    pooled blog figure, labelled as what the unverifiable numbers would show).
    """
    evidence = data.load("published_evidence") if evidence is None else evidence
    df = ratings() if df is None else df.sort_values("order").reset_index(drop=True)
    check_ratings(df, evidence)
    extras = _EFFECT_EXTRAS if extras is None else extras
    ev = evidence.set_index("id")

    notes: list[Footnote] = []
    by_text: dict[str, str] = {}

    def mark(domain: str, text: str) -> str:
        if text not in by_text:
            by_text[text] = _letters(len(notes))
            notes.append(Footnote(by_text[text], domain, text))
        return by_text[text]

    rows, markers, levels, effects, refs = [], [], [], [], []
    for _, r in df.iterrows():
        ids = _ids(r["evidence"])
        n, k = _participants(ev, ids)
        effect = []
        note = _text(r["effect_note"])
        if note:
            effect.append(note.rstrip("."))
        effect += _format_group(ev, ids) if ids else []
        if r["id"] in extras:
            effect.append(extras[r["id"]]())
        ind = _ids(r.get("indirect_evidence"))
        for i in ind:
            effect.append(f"Nearest indirect trial ({ev.loc[i, 'condition']}): "
                          + format_result(ev.loc[i], label=False, timepoint=False))
        comp = _ids(r.get("comparator_evidence"))
        comparator = "; ".join(_comparator(ev, comp)) if comp else "Not reported in the checked record"
        marks = []
        if r["starting_level"] == "low":
            marks.append(mark("starting level", f"Starts low: {_text(r['starting_reason'])}"))
        for d, label in DOMAINS.items():
            if int(r[d]) < 0:
                marks.append(mark(label, _text(r[d + "_reason"])))
        marks = tuple(dict.fromkeys(marks))
        rows.append({
            "Question": r["question"],
            "Participants (studies)": f"{n} ({k} {'study' if k == 1 else 'studies'})",
            "Effect (95% CI)": " ".join(e + "." for e in effect),
            "Comparator": comparator,
            "Certainty": f"{SYMBOLS[r['certainty']]} {r['certainty'].capitalize()}"
                         + (f" [{', '.join(marks)}]" if marks else ""),
            "What it means": _text(r["plain_language"]),
        })
        markers.append(marks)
        levels.append(r["certainty"])
        effects.append(tuple(e + "." for e in effect))
        refs.append(_text(r.get("reference")))
    table = pd.DataFrame(rows).set_index("Question")
    return SummaryOfFindings(table, tuple(markers), tuple(notes), tuple(levels), tuple(effects), tuple(refs))


def sof_short_table(df: pd.DataFrame | None = None, evidence: pd.DataFrame | None = None) -> pd.DataFrame:
    """Four columns for the landing page: question, participants (studies), certainty, in short."""
    evidence = data.load("published_evidence") if evidence is None else evidence
    df = ratings() if df is None else df.sort_values("order").reset_index(drop=True)
    check_ratings(df, evidence)
    ev = evidence.set_index("id")
    out = []
    for _, r in df.iterrows():
        n, k = _participants(ev, _ids(r["evidence"]))
        out.append({"Question": r["question"],
                    "Participants (studies)": f"{n} ({k} {'study' if k == 1 else 'studies'})",
                    "Certainty": f"{SYMBOLS[r['certainty']]} {r['certainty']}",
                    "In short": _text(r["headline"])})
    return pd.DataFrame(out).set_index("Question")


def landing_table() -> pd.DataFrame:
    """The landing page's one table: the overall answer for ME/CFS first, then the four questions
    the two source documents raise (:func:`sof_short_table`), then the trials the review found
    whose certainty is computed from the data (:func:`computed_findings`). Four columns: question,
    participants (studies), certainty, in short."""
    from . import analyses

    computed = {r["id"]: r for r in analyses.sof_rows()}

    def row(r):
        return {"Question": r["question"], "Participants (studies)": r["participants"],
                "Certainty": f"{SYMBOLS[r['rating'].level]} {r['rating'].level}", "In short": r["plain"]}

    typed = sof_short_table().reset_index()
    first = pd.DataFrame([row(computed["nmda-mecfs-overall"])])
    rest = pd.DataFrame([row(computed[k]) for k in ("magnesium-cfs", "amantadine-ms-fatigue")])
    return pd.concat([first, typed, rest], ignore_index=True)


def what_would_change_table(df: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each question: its certainty now, the domains that hold it down, and the study that would help."""
    df = ratings() if df is None else df.sort_values("order").reset_index(drop=True)
    out = []
    for _, r in df.iterrows():
        held = [f"{label} ({_signed(int(r[d]))})" for d, label in DOMAINS.items() if int(r[d]) < 0]
        if r["starting_level"] == "low":
            held.insert(0, "non-randomised start")
        out.append({"Question": r["question"], "Certainty now": r["certainty"],
                    "Held down by": "; ".join(held),
                    "The study that would raise it": _text(r["would_change"])})
    return pd.DataFrame(out).set_index("Question")


# --------------------------------------------------------------------------------------------
# Numbers for the landing page
# --------------------------------------------------------------------------------------------

def key_findings() -> dict[str, str]:
    """Formatted strings the landing page quotes (glue them; never retype them).

    Keys:

    * ``memantine_mecfs_trials`` -- verifiable trials of memantine in ME/CFS ("0");
    * ``memantine_indirect_trials`` -- trials rated as indirect evidence for that question;
    * ``blog_studies``, ``blog_participants`` -- the blog's unverifiable "studies" and their total size;
    * ``blog_pooled`` -- what those numbers would show pooled, e.g. "52.3% (95% CI …)",
      from :func:`mecfs_evidence.memantine.primary_summary` (not an effect);
    * ``blog_pooled_pct`` -- the same figure without its interval;
    * ``placebo_response`` -- pooled placebo response in CFS trials (Cho et al. 2005), with its interval;
    * ``placebo_pct`` -- the same without its interval;
    * ``ketamine_mecfs_n`` -- participants in the ketamine ME/CFS pilot (NCT04141696);
    * ``saligan_d`` -- Cohen's d for fatigue at day 2 (Saligan et al. 2016);
    * ``machado_n`` -- participants in Machado-Vieira et al. 2024;
    * ``olivan_arr``, ``olivan_nnt`` -- memantine in fibromyalgia (Olivan-Blázquez et al. 2014);
    * ``n_questions``, ``n_very_low``, ``n_low`` -- counts of questions by certainty;
    * ``pilot_diff_period1``, ``pilot_diff_period2`` -- ketamine minus midazolam in the ME/CFS pilot,
      percentage points (from :func:`mecfs_evidence.ketamine.period_differences`);
    * ``certainty_<question id with underscores>`` -- each question's certainty;
    * ``levels_down_<question id with underscores>`` -- levels rated down over the five domains.
    """
    from . import memantine

    df = ratings()
    ev = data.load("published_evidence").set_index("id")
    s = memantine.primary_summary()
    blog = memantine.blog_counts()
    p = ev.loc[memantine.PLACEBO_ID]
    mem_ids = _ids(df.set_index("id").loc["memantine-mecfs", "evidence"])
    in_mecfs = [i for i in mem_ids if re.search(r"ME/CFS|chronic fatigue", str(ev.loc[i, "condition"]))]
    out = {
        "memantine_mecfs_trials": str(_participants(ev, in_mecfs)[1]),
        "memantine_indirect_trials": str(_participants(ev, mem_ids)[1]),
        "blog_studies": str(len(blog)),
        "blog_participants": str(int(blog["participants"].sum())),
        "blog_pooled": f"{100 * s['estimate']:.1f}% (95% CI {100 * s['ci_low']:.1f}% to {100 * s['ci_high']:.1f}%)",
        "blog_pooled_pct": f"{100 * s['estimate']:.1f}%",
        "placebo_response": format_result(p, label=False, statistic=False, timepoint=False),
        "placebo_pct": f"{_num(p['value'], _decimals(p['value']))}%",
        "ketamine_mecfs_n": str(int(ev.loc["nct-ket-p1", "n"])),
        "saligan_d": _num(ev.loc["saligan-d-day2", "value"], 2),
        "machado_n": str(int(ev.loc["machado-bfi", "n"])),
        "olivan_arr": format_result(ev.loc["olivan-arr"], label=False, statistic=False, timepoint=False),
        "olivan_nnt": format_result(ev.loc["olivan-nnt"], label=False, statistic=False, timepoint=False),
        "n_questions": str(len(df)),
        "n_very_low": str(int((df["certainty"] == "very low").sum())),
        "n_low": str(int((df["certainty"] == "low").sum())),
    }
    from . import ketamine

    diffs = ketamine.period_differences(ev.reset_index())
    for _, r in diffs.iterrows():
        out["pilot_diff_" + r["period"].replace(" ", "")] = _pp(r["difference_pp"])
    for _, r in df.iterrows():
        key = re.sub(r"[^a-z0-9]+", "_", r["id"])
        out["certainty_" + key] = r["certainty"]
        out["levels_down_" + key] = str(-sum(int(r[d]) for d in DOMAINS))
    return out


# --------------------------------------------------------------------------------------------
# What could not be checked (from the verification log)
# --------------------------------------------------------------------------------------------

#: The source cell of an item of the verification log that no bibliography entry stands for.
NO_SOURCE = "not in the bibliography"


def item_sources(items, keys=None, evidence: pd.DataFrame | None = None) -> list[str]:
    """The bibliography keys behind each item id of the verification log (``'a;b'``), or
    :data:`NO_SOURCE`. An item is a BibTeX key, a ``published_evidence`` id (its ``reference``), a
    verified-facts row behind ``published_evidence`` rows (``'K3'``: their references), or an id
    that starts with a key (``'fitzgerald2021-side-effects'``); anything else (a removed
    reference, a verified-facts row such as ``'P2'``, a label's figure) has no entry."""
    if keys is None:
        from .display import bib_keys
        keys = bib_keys()
    ev = (data.load("published_evidence") if evidence is None else evidence).set_index("id")
    out = []
    for item in items:
        item = str(item)
        head = re.split(r"-", item, maxsplit=1)[0]
        if item in keys:
            out.append(item)
        elif item in ev.index and all(k in keys for k in _ids(ev.loc[item, "reference"])):
            out.append(str(ev.loc[item, "reference"]))
        elif item in set(ev["fact"]):  # a verified-facts row: the references of its evidence rows
            found = dict.fromkeys(k for refs in ev.loc[ev["fact"] == item, "reference"] for k in _ids(refs))
            found = [k for k in found if k in keys]
            out.append(";".join(found) if found else NO_SOURCE)
        elif head in keys:
            out.append(head)
        else:
            out.append(NO_SOURCE)
    return out


def unchecked_table() -> pd.DataFrame:
    """The verification log's rows whose result is "could not be checked" or "not found".

    Columns: what was checked (the claim, which names the item for a reader), its source (the
    bibliography keys behind it, which :func:`mecfs_evidence.display.show` links as "Saligan et
    al. 2026", or :data:`NO_SOURCE`), the record looked at, the result and the note. The log's
    internal item ids are not shown; ``data/verification.csv`` (the download) keeps them and
    every check.
    """
    log = data.load("verification")
    rows = log[log["result"].isin(["could not be checked", "not found"])]
    return pd.DataFrame({
        "what was checked": rows["claim"].to_numpy(),
        "source": item_sources(rows["item"]),
        "record looked at": rows["record"].to_numpy(),
        "result": rows["result"].to_numpy(),
        "note": rows["note"].fillna("").to_numpy(),
    })


def verification_counts() -> dict[str, str]:
    """Counts of the verification log by result, as text for glue (keys: total and each result)."""
    log = data.load("verification")
    out = {"total": str(len(log))}
    for res in ("confirmed", "corrected", "could not be checked", "not found"):
        out[res.replace(" ", "_")] = str(int((log["result"] == res).sum()))
    return out


def computed_findings() -> pd.DataFrame:
    """Summary-of-Findings rows whose GRADE ratings are computed from the extracted trial data.

    The domains come from :func:`mecfs_evidence.grade` rules applied to the pooled analyses of
    :mod:`mecfs_evidence.analyses` (risk of bias weighted by analysis weight, I² and the prediction
    interval, the CI against the MID and the optimal information size, the population column of
    ``studies``, and the registry check). Same columns as the typed Summary of Findings.
    """
    from . import analyses

    rows = []
    for r in analyses.sof_rows():
        rt = r["rating"]
        rows.append({"Question": r["question"], "Participants (studies)": r["participants"],
                     "Effect (95% CI)": r["effect"],
                     "Certainty": f"{SYMBOLS[rt.level]} {rt.level.capitalize()}",
                     "Rated down for (computed)": "; ".join(rt.footnotes()) or "nothing",
                     "What it means": r["plain"]})
    return pd.DataFrame(rows)
