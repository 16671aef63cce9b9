"""Run-over-run comparison (``evalkit diff RUN_A RUN_B``): the same vendors across two runs.

A vendor is matched by its id (by its pseudonym in two blinded runs with the same mapping). A suite is
compared only when both runs ran it with the same ``version``; then, per vendor, over the items both
runs scored (same item id): the change B - A of the suite score with its 95 % interval — McNemar's
exact test and Newcombe's paired interval for pass/fail suites, a paired bootstrap for continuous
ones (the same procedures as the report's vendor comparisons, ``stats.py``) — Holm-corrected over the
suites of each vendor, and the items whose verdict flipped (pass -> fail, fail -> pass). Suites whose
version differs, or that only one run has, are listed and not compared.

The change of each vendor's total is the root's linear form **with the criteria weights of run B**
(``tree.linear_forms``, renormalised over the version-matched suites; attestation declarations are
not measurements and are left out) applied to the per-suite mean changes, with a stratified paired
bootstrap (the suites' resampled mean changes combined by the same form); the totals of all compared
vendors form one Holm family. Each run's verdict (適合 / 判定保留 / 不適合) is shown beside it.
docs/statistics.md ("Run-over-run comparison") explains the choices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config.criteria import CriteriaFile
from ..errors import UsageError
from ..i18n import tr
from .power import POWER, comparison_mdd
from .stats import (
    ALPHA,
    MIN_BOOTSTRAP_N,
    N_BOOT,
    SEED,
    FloatArray,
    bootstrap_means,
    bootstrap_p,
    derive_seed,
    holm,
    mcnemar_exact,
    newcombe_paired_interval,
    p6,
    percentile_interval,
    r6,
    weighted_sum,
)
from .tables import item_level
from .tree import linear_forms, suites_by_leaf

FORMAT = "evalkit-diff/1"
EXCERPT_CHARS = 300  # of each answer shown beside a flipped item


@dataclass(frozen=True)
class RunData:
    """One run as the diff reads it: its results and item table as the run's exports show them
    (pseudonyms in a blinded run), its criteria, and its blinding (real id -> pseudonym id)."""

    path: str
    run_id: str
    results: Mapping[str, Any]
    table: pd.DataFrame
    criteria: CriteriaFile
    blinding: Mapping[str, str] | None


def check_blinding(
    path_a: str, blinding_a: Mapping[str, str] | None, path_b: str, blinding_b: Mapping[str, str] | None
) -> str:
    """``"none"`` (neither run blinded) or ``"same"`` (both blinded, every vendor of both runs with the
    same pseudonym); otherwise a UsageError saying why the runs cannot be compared. ``blinding_*``: each
    run's real id -> pseudonym id (None: not blinded)."""
    if blinding_a is None and blinding_b is None:
        return "none"
    if blinding_a is None or blinding_b is None:
        blinded, plain = (path_a, path_b) if blinding_a is not None else (path_b, path_a)
        raise UsageError(
            tr(
                f"{blinded} は盲検化された実行、{plain} はされていない実行です。一方だけ実名にすると"
                "仮名と実名が対応づいてしまうため比較しません",
                f"{blinded} is a blinded run and {plain} is not: comparing them would tie the "
                "pseudonyms to the real names, so they are not compared",
            )
        )
    real_a, real_b = dict(blinding_a), dict(blinding_b)
    differs = sorted(v for v in set(real_a) & set(real_b) if real_a[v] != real_b[v])
    pseudo_a = {p: r for r, p in real_a.items()}
    clash = sorted(p for r, p in real_b.items() if p in pseudo_a and pseudo_a[p] != r)
    if differs or clash:
        raise UsageError(
            tr(
                f"{path_a} と {path_b} は別々の対応表で盲検化されています（同じ仮名が別のベンダーを指します）。"
                "同じ対応表の実行どうしだけを比較します",
                f"{path_a} and {path_b} are blinded with different mappings (a pseudonym names different "
                "vendors): only runs blinded with the same mapping are compared",
            )
        )
    return "same"


def _excerpt(text: object) -> str:
    if not isinstance(text, str):
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[:EXCERPT_CHARS] + "…"


def _answers(table: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    """(vendor, suite, item) -> the answer of its first scored epoch (else its first answer)."""
    rows = table.sort_values(["epoch"], kind="stable")
    ok = rows[rows.status == "ok"]
    out: dict[tuple[str, str, str], str] = {}
    for frame in (ok, rows):
        for vendor, suite, item, content in zip(
            frame.vendor_id, frame.suite_id, frame.item_id, frame.content, strict=True
        ):
            out.setdefault((str(vendor), str(suite), str(item)), _excerpt(content))
    return out


def _suite_lists(a: RunData, b: RunData) -> dict[str, list[dict[str, Any]]]:
    rows_a = {s["id"]: s for s in a.results.get("suites", [])}
    rows_b = {s["id"]: s for s in b.results.get("suites", [])}
    hashes_a = (a.results.get("config") or {}).get("suites") or {}
    hashes_b = (b.results.get("config") or {}).get("suites") or {}
    compared, changed = [], []
    for sid, row in rows_b.items():
        if sid not in rows_a:
            continue
        va, vb = str(rows_a[sid].get("version")), str(row.get("version"))
        if va == vb:
            ha, hb = (hashes_a.get(sid) or {}).get("sha256"), (hashes_b.get(sid) or {}).get("sha256")
            compared.append(
                {
                    "id": sid,
                    "title": row.get("title"),
                    "version": vb,
                    "binary": bool(rows_a[sid].get("binary")) and bool(row.get("binary")),
                    "same_file": None if not ha or not hb else ha == hb,
                }
            )
        else:
            changed.append(
                {
                    "id": sid,
                    "title": row.get("title"),
                    "version_a": va,
                    "version_b": vb,
                    "note": f"版 {va} → {vb}: 比較しない",
                }
            )
    only_a = [{"id": s["id"], "title": s.get("title"), "version": s.get("version")} for s in rows_a.values()]
    only_b = [{"id": s["id"], "title": s.get("title"), "version": s.get("version")} for s in rows_b.values()]
    return {
        "compared": compared,
        "version_changed": changed,
        "only_a": [s for s in only_a if s["id"] not in rows_b],
        "only_b": [s for s in only_b if s["id"] not in rows_a],
    }


def _suite_change(
    merged: pd.DataFrame, binary: bool, rng: np.random.Generator, n_boot: int
) -> tuple[dict[str, Any], FloatArray | None]:
    """The change B - A on one suite's shared items, and the resampled mean changes (for the total)."""
    n = len(merged)
    row: dict[str, Any] = {
        "n_shared": n,
        "score_a": None,
        "score_b": None,
        "diff": None,
        "ci_low": None,
        "ci_high": None,
        "p": None,
        "test": None,
        "note": None,
    }
    if n == 0:
        row["note"] = "共通の採点済み設問なし"
        return row, None
    sa, sb = merged.score_a.to_numpy(dtype=float), merged.score_b.to_numpy(dtype=float)
    d = sb - sa
    boot = bootstrap_means(d, rng, n_boot)
    row.update(score_a=float(sa.mean()), score_b=float(sb.mean()), diff=float(d.mean()))
    if binary:
        pa, pb = sa >= 0.5, sb >= 0.5
        both, up, down = int((pa & pb).sum()), int((~pa & pb).sum()), int((pa & ~pb).sum())
        low, high = newcombe_paired_interval(both, up, down, n - both - up - down)  # p_B - p_A
        row.update(ci_low=low, ci_high=high, p=mcnemar_exact(up, down), test="mcnemar_exact", discordant=[up, down])
        return row, boot
    low, high = percentile_interval(boot)
    row.update(ci_low=low, ci_high=high, test="paired_bootstrap")
    if n >= MIN_BOOTSTRAP_N:
        row["p"] = bootstrap_p(boot)
    else:
        row["note"] = f"共通設問 {n} 件（{MIN_BOOTSTRAP_N} 件未満）のため検定しない"
    row["_boot"] = boot
    return row, boot


def _holm_rows(rows: Sequence[dict[str, Any]], alpha: float) -> None:
    """p_holm, significant and (for tested, non-significant rows) the mdd at alpha / m."""
    n_tests = sum(r["p"] is not None for r in rows)
    for r, adj in zip(rows, holm([r["p"] for r in rows]), strict=True):
        r["p_holm"] = adj
        r["significant"] = adj is not None and adj < alpha
        r["mdd"] = None
        if r["p"] is not None and not r["significant"]:
            r["mdd"] = comparison_mdd(
                alpha=alpha / n_tests, power=POWER, discordant=r.get("discordant"), n=r["n_shared"], boot=r.get("_boot")
            )


def _round(row: dict[str, Any]) -> None:
    row.pop("_boot", None)
    for key in ("score_a", "score_b", "diff", "ci_low", "ci_high"):
        if key in row:
            row[key] = r6(row[key])
    row["p"], row["p_holm"] = p6(row.get("p")), p6(row.get("p_holm"))


def run_diff(a: RunData, b: RunData, *, n_boot: int = N_BOOT, seed: int = SEED, alpha: float = ALPHA) -> dict[str, Any]:
    """The comparison of run B against run A (``diff.json``)."""
    blinding = check_blinding(a.path, a.blinding, b.path, b.blinding)
    suites = _suite_lists(a, b)
    vendors_a = {v["id"]: v for v in a.results.get("vendors", [])}
    vendors_b = {v["id"]: v for v in b.results.get("vendors", [])}
    items_a, items_b = item_level(a.table), item_level(b.table)
    scored_a, scored_b = items_a[items_a.n_ok > 0], items_b[items_b.n_ok > 0]
    answers_a, answers_b = _answers(a.table), _answers(b.table)
    leaf_suites = suites_by_leaf(b.criteria, b.results.get("suites", []))
    out_vendors: list[dict[str, Any]] = []
    for vid, vb in vendors_b.items():  # run B's rank order
        if vid not in vendors_a:
            continue
        va = vendors_a[vid]
        rows: list[dict[str, Any]] = []
        means: dict[str, float] = {}
        boots: dict[str, FloatArray] = {}
        sides: dict[str, tuple[float, float]] = {}
        n_total = 0
        for suite in suites["compared"]:
            sid = suite["id"]
            left = scored_a[(scored_a.vendor_id == vid) & (scored_a.suite_id == sid)]
            right = scored_b[(scored_b.vendor_id == vid) & (scored_b.suite_id == sid)]
            merged = (
                left[["item_id", "score", "passed"]]
                .merge(right[["item_id", "score", "passed"]], on="item_id", suffixes=("_a", "_b"))
                .sort_values("item_id", kind="stable")
            )
            row, boot = _suite_change(merged, suite["binary"], derive_seed("rundiff", vid, sid, seed=seed), n_boot)
            shared = set(merged.item_id)
            row = {
                "suite": sid,
                "title": suite["title"],
                "version": suite["version"],
                "binary": suite["binary"],
                **row,
                "items_only_a": int(len(set(left.item_id) - shared)),
                "items_only_b": int(len(set(right.item_id) - shared)),
            }
            flips = []
            for item, pa, pb, sa, sb in zip(
                merged.item_id, merged.passed_a, merged.passed_b, merged.score_a, merged.score_b, strict=True
            ):
                if bool(pa) == bool(pb):
                    continue
                flips.append(
                    {
                        "item": str(item),
                        "direction": "pass_to_fail" if pa else "fail_to_pass",
                        "score_a": r6(sa),
                        "score_b": r6(sb),
                        "answer_a": answers_a.get((vid, sid, str(item)), ""),
                        "answer_b": answers_b.get((vid, sid, str(item)), ""),
                    }
                )
            row["pass_to_fail"] = [f["item"] for f in flips if f["direction"] == "pass_to_fail"]
            row["fail_to_pass"] = [f["item"] for f in flips if f["direction"] == "fail_to_pass"]
            row["flipped"] = flips
            if boot is not None:
                means[sid], boots[sid] = float(row["diff"]), boot
                sides[sid] = (float(row["score_a"]), float(row["score_b"]))
                n_total += row["n_shared"]
            rows.append(row)
        _holm_rows(rows, alpha)
        for row in rows:
            _round(row)
        total: dict[str, Any] = {
            "diff": None,
            "ci_low": None,
            "ci_high": None,
            "p": None,
            "score_a": None,
            "score_b": None,
            "n_shared": n_total,
            "suites": [],
            "test": "stratified_paired_bootstrap",
            "weights": "criteria of run B",
            "note": None,
        }
        form = linear_forms(b.criteria, means, leaf_suites, ())[b.criteria.id]
        if form is None or not form[0]:
            total["note"] = "版が一致し共通の採点済み設問があるスイートなし"
        else:
            coefs = form[0]
            dist = weighted_sum((c, boots[sid]) for sid, c in coefs.items())
            low, high = percentile_interval(dist)
            total.update(
                diff=sum(c * means[sid] for sid, c in coefs.items()),
                score_a=sum(c * sides[sid][0] for sid, c in coefs.items()),
                score_b=sum(c * sides[sid][1] for sid, c in coefs.items()),
                ci_low=low,
                ci_high=high,
                suites=list(coefs),
                coefficients={sid: r6(c) for sid, c in coefs.items()},
            )
            total["_boot"] = dist
            if n_total >= MIN_BOOTSTRAP_N:
                total["p"] = bootstrap_p(dist)
            else:
                total["note"] = f"共通設問 {n_total} 件（{MIN_BOOTSTRAP_N} 件未満）のため検定しない"
        out_vendors.append(
            {
                "id": vid,
                "name": vb.get("name", vid),
                "category": vb.get("category"),
                "verdict_a": va.get("verdict"),
                "verdict_b": vb.get("verdict"),
                "verdict_changed": va.get("verdict") != vb.get("verdict"),
                "reported_total_a": r6(va.get("total")),
                "reported_total_b": r6(vb.get("total")),
                "total": total,
                "suites": rows,
                "n_pass_to_fail": sum(len(r["pass_to_fail"]) for r in rows),
                "n_fail_to_pass": sum(len(r["fail_to_pass"]) for r in rows),
            }
        )
    totals = [v["total"] for v in out_vendors]
    _holm_rows(totals, alpha)
    for t in totals:
        _round(t)
    return {
        "format": FORMAT,
        "run_a": _run_facts(a),
        "run_b": _run_facts(b),
        "blinding": blinding,
        "statistics": {
            "direction": "B - A",
            "interval_level": 0.95,
            "alpha": alpha,
            "n_boot": n_boot,
            "seed": seed,
            "min_bootstrap_n": MIN_BOOTSTRAP_N,
            "unit": "item",
            "multiple_comparisons": "holm: over the suites of each vendor; over the vendors for the total",
            "total_weights": "criteria of run B, over the version-matched suites (attestation left out)",
            "mdd_power": POWER,
        },
        "suites": suites,
        "vendors": out_vendors,
        "vendors_only_a": [_vendor_ref(v) for vid, v in vendors_a.items() if vid not in vendors_b],
        "vendors_only_b": [_vendor_ref(v) for vid, v in vendors_b.items() if vid not in vendors_a],
    }


def _vendor_ref(vendor: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": vendor["id"], "name": vendor.get("name", vendor["id"]), "verdict": vendor.get("verdict")}


def _run_facts(run: RunData) -> dict[str, Any]:
    manifest = run.results.get("manifest") or {}
    prereg = run.results.get("preregistration") or {}
    return {
        "path": run.path,
        "run_id": run.run_id,
        "started": manifest.get("started_at"),
        "finished": manifest.get("finished_at"),
        "evalkit": manifest.get("evalkit_version"),
        "blinded": run.blinding is not None,
        "preregistration": prereg.get("digest"),
    }


__all__ = ["FORMAT", "RunData", "check_blinding", "run_diff"]
