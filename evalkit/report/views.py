"""Report variants: the full evaluator view, a vendor's self-test view and the public view.

A variant is applied to the aggregated results *before* anything is rendered, so no template,
chart or embedded JSON can show what the variant must hide:

- ``vendor``: only that vendor. Other vendors' ids, names, scores and answers are removed from
  every part of the results (comparisons, gates, attestation, bias, manifest, vendor settings);
  counts are recomputed from that vendor's rows; the rank (which would reveal the field) is dropped.
- ``public``: only vendors with ``publish: true`` (hidden vendors do not appear at all, and the
  rank is recomputed among the published ones); the text of items of suites with
  ``publish: false`` (or ``sealed: true``) is withheld: prompts, answers, explanations and error
  messages. Scores and pass/fail of those items stay.

Sealed suites (``evalkit seal``) are a third case in every view: the run store holds no text of
theirs, so prompts and scorer explanations are shown only in a ``reveal`` view (``evalkit report
--reveal``, rebuilt in memory from the sealed file and its key); answers stay visible to evaluators
(full and vendor views) and are withheld in public views like any unpublished suite's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import UsageError

# keys of result rows that name a vendor; rows naming a hidden vendor are dropped
VENDOR_KEYS = ("vendor", "vendor_id", "a", "b", "winner")


@dataclass
class View:
    kind: str = "full"  # full | vendor | public | vendor+public
    vendor: str | None = None
    public: bool = False
    visible: list[str] = field(default_factory=list)  # vendor ids shown, in rank order
    hidden: set[str] = field(default_factory=set)  # vendor ids removed
    sealed_suites: set[str] = field(default_factory=set)  # suites whose item text is withheld
    sealed: set[str] = field(default_factory=set)  # sealed suites of the run (no text in the store)
    reveal: bool = False  # sealed text rebuilt in memory is shown (evalkit report --reveal)

    @property
    def label(self) -> str:
        return self._label() + ("（封印された設問の本文を含む）" if self.reveal else "")

    def _label(self) -> str:
        if self.vendor and self.public:
            return "自己評価（公開用）"
        if self.vendor:
            return "自己評価"
        if self.public:
            return "公開用"
        return "評価担当者用（全ベンダー）"


def suite_is_withheld(suite: dict) -> bool:
    """Item text of this suite may not appear in a public report."""
    return suite.get("publish", True) is False or bool(suite.get("sealed"))


def make_view(
    results: dict,
    suite_meta: list[dict],
    *,
    vendor: str | None = None,
    public: bool = False,
    sealed: set[str] | None = None,
    reveal: bool = False,
) -> View:
    vendors = results.get("vendors", [])
    known = [v["id"] for v in vendors]
    settings = {s.get("id"): s for s in results.get("vendor_settings") or []}
    if vendor is not None and vendor not in known:
        raise UsageError(f"unknown vendor '{vendor}' (in this run: {', '.join(known) or 'none'})")
    visible = list(known)
    if public:
        visible = [vid for vid in visible if settings.get(vid, {}).get("publish") is True]
        if vendor is not None and vendor not in visible:
            raise UsageError(
                f"vendor '{vendor}' has not agreed to publication (publish: false): "
                "it cannot appear in a --public report"
            )
    if vendor is not None:
        visible = [vendor]
    hidden = set(known) - set(visible)
    kind = "+".join(k for k, on in (("vendor", vendor is not None), ("public", public)) if on) or "full"
    sealed = set(sealed or ())
    if public and reveal:
        raise UsageError("a public view never shows sealed item text (--reveal with --public)")
    return View(
        kind=kind,
        vendor=vendor,
        public=public,
        visible=visible,
        hidden=hidden,
        sealed_suites=({s["id"] for s in suite_meta if suite_is_withheld(s)} | sealed) if public else set(),
        sealed=sealed,
        reveal=reveal,
    )


def scrub(obj: Any, hidden: set[str]) -> Any:
    """Remove every trace of hidden vendors from a JSON-like structure: dict entries keyed by a
    hidden id, and list entries (dicts) that name a hidden vendor under a vendor key."""
    if not hidden:
        return obj
    if isinstance(obj, dict):
        return {k: scrub(v, hidden) for k, v in obj.items() if k not in hidden}
    if isinstance(obj, list):
        out = []
        for v in obj:
            if isinstance(v, dict) and any(isinstance(v.get(k), str) and v.get(k) in hidden for k in VENDOR_KEYS):
                continue
            if isinstance(v, dict) and v.get("id") in hidden and ("name" in v or "provider" in v):
                continue  # a vendor row or vendor settings
            out.append(scrub(v, hidden))
        return out
    return obj


def counts_of(df: pd.DataFrame) -> dict:
    return {
        "requests": int(len(df)),
        "ok": int((df.status == "ok").sum()),
        "errors": int((df.status == "error").sum()),
        "not_scored": int(df.status.isin(["not_scored", "pending"]).sum()),
    }


def apply_view(results: dict, df: pd.DataFrame, view: View) -> tuple[dict, pd.DataFrame]:
    """The results and item table as the variant may show them (copies; the inputs are untouched)."""
    if view.kind == "full":
        return results, df
    out = scrub(copy.deepcopy(results), view.hidden)
    vdf = df[df.vendor_id.isin(view.visible)]
    if view.hidden and out.get("item_analysis"):  # flags and statistics over the shown vendors only
        from ..analysis.item_analysis import restrict

        out["item_analysis"] = restrict(out["item_analysis"], vdf)
    out["counts"] = counts_of(vdf)
    if view.vendor is not None:
        out["comparisons"] = []
        for v in out["vendors"]:
            v["rank"] = None
    else:
        for rank, v in enumerate(out["vendors"], 1):
            v["rank"] = rank
    manifest = dict(out.get("manifest") or {})
    if view.hidden:
        # the command line may name hidden vendors; the planned count includes their requests
        manifest.pop("argv", None)
        manifest["planned_requests"] = int(len(vdf))
    out["manifest"] = manifest
    if view.public:
        for s in out.get("suites", []):
            if s["id"] in view.sealed_suites:
                s["description"] = ""
                s["withheld"] = True
        for c in out.get("counterfactual") or []:  # examples quote answers: withheld with the suite's text
            if c["suite"] in view.sealed_suites:
                for cell in c["vendors"].values():
                    cell["examples"] = []
    out["view"] = {"kind": view.kind, "vendor": view.vendor, "public": view.public}
    return out, vdf
