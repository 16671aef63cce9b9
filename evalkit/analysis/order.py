"""Order sensitivity: does a vendor's answer change when only the order of the options changes?

The same multiple-choice question can be asked several times with its options shuffled (lawqa_jp's
``selection_randomized.json``): items carry ``meta.variant_group`` (the question's identity), and
a suite holding shuffled copies of another suite's questions names it in ``variants_of``. A
*family* is a suite plus every suite that declares ``variants_of`` it; a *question* is one
``variant_group`` within a family (an item without ``meta.variant_group`` is its own question).

For each vendor and family, a question counts when at least two of its variants were answered with
a recognisable choice; it has *changed* when the chosen option **text** differs between them
(comparing letters would be meaningless: the letters move with the shuffle). Answers with no
recognisable choice are left out (they are already wrong in the accuracy), and only each item's
first scored epoch is used, so that sampling noise across epochs is not counted as order effect.

rate = n_changed / n_questions (None when no question counts).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..config.suite import Item, Suite
from ..data import suite_items
from ..runner.store import RunStore
from .tables import ScorerDetail, scorer_details

CHOICE_KINDS = ("choice", "bias")


def _options_var(suite: Suite, item: Item) -> tuple[str, str] | None:
    """(scorer kind, options variable) of the item's choice-like scorer, if any."""
    specs = suite.scorers_for(item)
    for spec in specs:
        if spec.kind in CHOICE_KINDS:
            return spec.kind, spec.params.get("options_var", "choices")
    return None


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _option_text(item: Item, options_var: str | None, letter: str) -> str | None:
    from ..scorers.choice import item_options, label_index

    options = item_options(item, options_var)
    if options is None:
        return None
    index = label_index(letter)
    return _fold(options[index]) if index is not None and index in options else None


def families(suites: list[Suite]) -> dict[str, list[Suite]]:
    """family id -> member suites, for families where some question has more than one variant."""
    groups: dict[str, list[Suite]] = {}
    for suite in suites:
        groups.setdefault(suite.variants_of or suite.id, []).append(suite)
    out = {}
    for family, members in groups.items():
        counts: dict[str, int] = {}
        for suite in members:
            for item in suite_items(suite):
                if _options_var(suite, item) is None:
                    continue
                key = str(item.meta.get("variant_group", f"{suite.id}/{item.id}"))
                counts[key] = counts.get(key, 0) + 1
        if any(n > 1 for n in counts.values()):
            out[family] = members
    return out


def order_sensitivity(store: RunStore, suites: list[Suite], vendor_ids: list[str]) -> list[dict[str, Any]]:
    """[{vendor, suite (the family's id), suites (members in the run), n_questions, n_changed, rate,
    n_answers}] for every family with shuffled variants, one row per vendor."""
    fams = families(suites)
    if not fams:
        return []
    # (vendor, suite, item) -> the detail of its first scored epoch
    details: dict[tuple[str, str, str], ScorerDetail] = {}
    for kind in CHOICE_KINDS:
        for row in scorer_details(store, kind):
            key = (row.vendor_id, row.suite_id, row.item_id)
            if key not in details or row.epoch < details[key].epoch:
                details[key] = row
    out = []
    for family, members in fams.items():
        for vendor in vendor_ids:
            chosen: dict[str, set[str]] = {}
            answers: dict[str, int] = {}
            for suite in members:
                for item in suite_items(suite):
                    spec = _options_var(suite, item)
                    found = details.get((vendor, suite.id, item.id))
                    if spec is None or found is None:
                        continue
                    letter = (found.detail or {}).get("choice")
                    if not letter:
                        continue
                    text = _option_text(item, spec[1], letter)
                    if text is None:
                        continue
                    group = str(item.meta.get("variant_group", f"{suite.id}/{item.id}"))
                    chosen.setdefault(group, set()).add(text)
                    answers[group] = answers.get(group, 0) + 1
            counted = [g for g, n in answers.items() if n >= 2]
            changed = sum(1 for g in counted if len(chosen[g]) > 1)
            out.append(
                {
                    "vendor": vendor,
                    "suite": family,
                    "suites": [s.id for s in members],
                    "n_questions": len(counted),
                    "n_changed": changed,
                    "rate": round(changed / len(counted), 6) if counted else None,
                    "n_answers": sum(answers[g] for g in counted),
                }
            )
    return out
