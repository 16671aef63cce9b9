"""Aggregation: items -> suites -> criteria tree -> total, with gates, attestation checks,
paired comparisons of vendors and BBQ bias scores.

The result is a plain, JSON-serialisable dict: the report renders it and ``summary.json``
stores it, so every number shown can be traced back to the store. Every statistic, its
formula and the reason for it are in docs/statistics.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from ..config.attestation import NOT_APPLICABLE, AttestationFile, stored_questionnaires
from ..config.criteria import CriteriaFile, Gate
from ..config.suite import Suite
from ..config.vendor import Vendor
from ..runner.store import RunStore
from .bias import bias_results
from .compare import paired_comparisons
from .consistency import consistency, is_variant, node_consistency
from .decision import decision_results
from .item_analysis import item_analysis
from .judges import judge_results
from .operations import vendor_operations
from .order import order_sensitivity
from .pairs import pair_results
from .scoring_sheet import scoring_sheet
from .stats import (
    ALPHA,
    MIN_BOOTSTRAP_N,
    N_BOOT,
    SEED,
    FloatArray,
    bootstrap_means,
    derive_seed,
    is_binary,
    mean_interval,
    pass_at_k,
    percentile_interval,
    weighted_sum,
)
from .tables import item_level, item_table
from .tree import Linear, evaluate, item_weights, linear_forms, subtree_leaves, suites_by_leaf

VERDICT_PASS = "適合"
VERDICT_FAIL = "不適合"
VERDICT_INCOMPLETE = "判定保留"
GATE_UNEVALUATED = "未評価"  # a gate with no item and no attestation check under it in this run
VERDICT_ORDER = {VERDICT_PASS: 0, VERDICT_INCOMPLETE: 1, VERDICT_FAIL: 2}

# The result rows (suites, attestation checks, criteria, vendors, comparisons) are JSON-shaped dicts:
# summary.json stores them as they are and the report reads them back from there. The shapes that
# only pass between the functions of this module are typed below.


class _GateBase(TypedDict):
    passed: bool
    incomplete: bool
    reason: str
    status: str


class GateResult(_GateBase, total=False):
    """A gate's verdict for one vendor (``gates`` rows and each node's ``gate``)."""

    unevaluated: bool  # no item and no attestation check under the gate in this run
    incomplete_reason: str


class NodeResult(TypedDict):
    """One criteria node for one vendor."""

    score: float | None
    ci_low: float | None
    ci_high: float | None
    coverage: float | None
    critical_failures: int
    gate: GateResult | None


class _Missing(TypedDict):
    """What is still unknown under a gate's node (see ``_gate``)."""

    n_errors: int
    n_unscored: int
    worst: float | None
    best: float | None
    max_critical: int


@dataclass(frozen=True)
class Settings:
    n_boot: int = N_BOOT
    seed: int = SEED
    alpha: float = ALPHA


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, 6)


def binary_suites(items: pd.DataFrame, suites: list[Suite]) -> dict[str, bool]:
    """A suite is pass/fail when every scored item score of every vendor in it is 0 or 1."""
    out = {}
    for suite in suites:
        scores = items.loc[(items.suite_id == suite.id) & (items.n_ok > 0), "score"]
        out[suite.id] = bool(len(scores)) and is_binary(scores.tolist())
    return out


def suite_results(
    df: pd.DataFrame,
    items: pd.DataFrame,
    suites: list[Suite],
    vendors: list[Vendor],
    binary: dict[str, bool],
    settings: Settings,
) -> tuple[list[dict[str, Any]], dict[tuple[str, str], FloatArray]]:
    """Per suite and vendor: mean item score with its interval, counts; and the bootstrap
    means of each (vendor, suite), which the criteria tree combines into node intervals."""
    out: list[dict[str, Any]] = []
    boots: dict[tuple[str, str], FloatArray] = {}
    for suite in suites:
        sdf = df[df.suite_id == suite.id]
        sitems = items[items.suite_id == suite.id]
        per_vendor: dict[str, dict[str, Any]] = {}
        for vendor in vendors:
            vdf = sdf[sdf.vendor_id == vendor.id]
            vi = sitems[sitems.vendor_id == vendor.id]
            scored = vi[vi.n_ok > 0]
            values = scored["score"].tolist()
            # one resampling stream per (vendor, suite): the suite interval (continuous scores) and
            # every node interval above it use the same resamples
            boot = None
            if len(values) >= 2:
                rng = derive_seed("suite", vendor.id, suite.id, seed=settings.seed)
                boot = boots[(vendor.id, suite.id)] = bootstrap_means(values, rng, settings.n_boot)
            mean, low, high, method = mean_interval(values, binary=binary[suite.id], boot=boot)
            n_epochs = int(vi.n_epochs.max()) if len(vi) else 0
            row: dict[str, Any] = {
                "score": _num(mean),
                "ci_low": _num(low),
                "ci_high": _num(high),
                "interval": method,
                "n": int(len(vi)),
                "n_scored": int(len(scored)),
                "n_passed": int(scored.passed.sum()),
                "n_errors": int((vdf.status == "error").sum()),
                "n_not_scored": int(vdf.status.isin(["not_scored", "pending"]).sum()),
                "n_requests": int(len(vdf)),
                "n_items_incomplete": int((vi.n_ok < vi.n_epochs).sum()),
                "critical_failures": int((scored.critical & ~scored.passed).sum()),
                "latency_p50_ms": _num(latency.median())
                if len(scored) and len(latency := vdf.latency_ms.dropna())
                else None,
                "epochs": n_epochs,
            }
            if n_epochs > 1:
                multi = scored[scored.n_ok >= 2]
                full = scored[scored.n_ok == n_epochs]
                row["epoch_disagreement"] = _num(multi.disagree.mean()) if len(multi) else None
                row["epoch_disagreement_n"] = int(len(multi))
                row["pass_at_k"] = (
                    _num(
                        np.mean(
                            [
                                pass_at_k(int(n_ok), int(n_pass), n_epochs)
                                for n_ok, n_pass in zip(full.n_ok.tolist(), full.n_pass.tolist(), strict=True)
                            ]
                        )
                    )
                    if len(full)
                    else None
                )
                row["pass_at_k_n"] = int(len(full))
                row["k"] = n_epochs
            per_vendor[vendor.id] = row
        out.append(
            {
                "id": suite.id,
                "title": suite.title,
                "version": suite.version,
                "criterion": suite.criterion,
                "description": suite.description,
                "critical": suite.critical,
                "weight": suite.weight,
                "binary": binary[suite.id],
                "n_items": int(sitems.item_id.nunique()),
                "vendors": per_vendor,
            }
        )
    return out, boots


def attestation_results(
    criteria: CriteriaFile, vendors: list[Vendor], questionnaires: list[AttestationFile]
) -> list[dict[str, Any]]:
    """One row per questionnaire check: what each vendor declared and the verdict
    (適合 / 不適合 / 未回答 / 対象外). ``ok`` is False for 不適合 and 未回答 (never assumed)."""
    nodes = criteria.nodes()
    out: list[dict[str, Any]] = []
    for questionnaire in questionnaires:
        node = nodes.get(questionnaire.criterion)
        for check in questionnaire.checks:
            row: dict[str, Any] = {
                "node": questionnaire.criterion,
                "node_title": node.title if node else questionnaire.criterion,
                "questionnaire": questionnaire.id,
                "id": check.id,
                "title": check.title,
                "question": check.question,
                "clause": check.clause,
                "field": check.field,
                "required": check.required_text(),
                "when": check.when,
                "critical": check.critical,
                "vendors": {},
            }
            for vendor in vendors:
                verdict, ok = check.verdict(vendor.attestation)
                evidence = [
                    e.model_dump(exclude_none=True) for e in (vendor.attestation.evidence or {}).get(check.field, [])
                ]
                row["vendors"][vendor.id] = {
                    "declared": getattr(vendor.attestation, check.field, None),
                    "verdict": verdict,
                    "ok": ok,
                    "evidence": evidence,
                }
            out.append(row)
    return out


def attestation_shares(attest: Sequence[Mapping[str, Any]], vendor_id: str) -> dict[str, float]:
    """Per leaf with checks: the share of compliant checks (unanswered counts as not compliant;
    checks that do not apply to this vendor, 対象外, are left out)."""
    by_node: dict[str, list[bool]] = {}
    for a in attest:
        answer = a["vendors"][vendor_id]
        if answer["verdict"] == NOT_APPLICABLE:
            continue
        by_node.setdefault(a["node"], []).append(answer["ok"])
    return {node: sum(oks) / len(oks) for node, oks in by_node.items()}


def _item_bounds(vi: pd.DataFrame) -> tuple[float, float] | None:
    """Lowest and highest suite score if every unscored epoch were scored 0 or 1; None without items."""
    if not len(vi):
        return None
    worst = (vi.score_sum / vi.n_epochs).mean()
    best = ((vi.score_sum + vi.n_epochs - vi.n_ok) / vi.n_epochs).mean()
    return float(worst), float(best)


def _gate(
    gate: Gate, score: float | None, critical: int, missing: _Missing, consistency: float | None = None
) -> GateResult:
    """A node's gate verdict on the scored data, and whether unscored requests could still change it.

    ``missing``: errors/unscored counts under the node, the bounds of the node score if every
    unscored epoch were answered (worst, best), and the largest critical-failure count possible.
    Rule (docs/statistics.md): a gate is *incomplete* when requests under its node lack a score
    and some completion of them would give a different outcome than the scored data gives.
    """
    reasons: list[str] = []
    if gate.min_score is not None:
        if score is None:
            reasons.append("評価データなし")
        elif score < gate.min_score:
            reasons.append(f"得点 {score:.3f} < 基準 {gate.min_score:g}")
    if gate.max_critical_failures is not None and critical > gate.max_critical_failures:
        reasons.append(f"重要項目の不合格 {critical} 件 > 許容 {gate.max_critical_failures} 件")
    if gate.min_consistency is not None:  # (variants: evalkit/analysis/consistency.py; not bounded by the missing)
        if consistency is None:
            reasons.append("一貫性の評価データなし（variants の設問なし）")
        elif consistency < gate.min_consistency:
            reasons.append(f"一貫性 {consistency:.3f} < 基準 {gate.min_consistency:g}")
    passed = not reasons
    incomplete = False
    if missing["n_errors"] or missing["n_unscored"]:
        outcomes = set()
        for bound_score, bound_critical in ((missing["worst"], missing["max_critical"]), (missing["best"], critical)):
            ok = True
            if gate.min_score is not None:
                ok = ok and bound_score is not None and bound_score >= gate.min_score
            if gate.max_critical_failures is not None:
                ok = ok and bound_critical <= gate.max_critical_failures
            outcomes.add(ok)
        incomplete = outcomes != {passed}
    if not incomplete:
        return {
            "passed": passed,
            "incomplete": False,
            "reason": "、".join(reasons),
            "status": VERDICT_PASS if passed else VERDICT_FAIL,
        }
    span = ""
    if gate.min_score is not None and missing["worst"] is not None:
        span = f"（全件回答時の得点は {missing['worst']:.3f}〜{missing['best']:.3f}）"
    note = (
        f"エラー {missing['n_errors']} 件・未採点 {missing['n_unscored']} 件が残り、"
        f"その結果次第で判定が変わり得る{span}"
    )
    return {
        "passed": passed,
        "incomplete": True,
        "reason": "、".join(reasons + [note]),
        "incomplete_reason": note,
        "status": VERDICT_INCOMPLETE,
    }


@dataclass
class VendorFacts:
    """What ``vendor_tree`` reads that the criteria weights do not change: computed once per vendor, reused
    for every reweighted tree of the weight sensitivity (decision.py)."""

    leaf_suites: dict[str, dict[str, float]]
    leaves_under: dict[str, set[str]]
    shares: dict[str, float]
    vrows: dict[str, Any]
    vitems: pd.DataFrame
    scores: dict[str, float]
    planned: set[str]
    in_run: set[str]
    worst_scores: dict[str, float]
    best_scores: dict[str, float]
    attest_critical: dict[str, int]
    gate_missing: dict[str, tuple[int, int, int]]  # gated node -> (errors, unscored, could fail), filled lazily


def vendor_facts(
    criteria: CriteriaFile,
    vendor: Vendor,
    suite_rows: Sequence[Mapping[str, Any]],
    items: pd.DataFrame,
    attest: Sequence[Mapping[str, Any]],
) -> VendorFacts:
    vrows = {s["id"]: s["vendors"][vendor.id] for s in suite_rows}
    vitems = items[items.vendor_id == vendor.id]
    planned = {sid for sid, r in vrows.items() if r["n"] > 0}  # requests exist for this vendor
    bounds = {sid: _item_bounds(vitems[vitems.suite_id == sid]) for sid in planned}
    attest_critical: dict[str, int] = {}
    for a in attest:
        if a["critical"] and not a["vendors"][vendor.id]["ok"]:
            attest_critical[a["node"]] = attest_critical.get(a["node"], 0) + 1
    return VendorFacts(
        leaf_suites=suites_by_leaf(criteria, suite_rows),
        leaves_under=subtree_leaves(criteria),
        shares=attestation_shares(attest, vendor.id),
        vrows=vrows,
        vitems=vitems,
        scores={sid: r["score"] for sid, r in vrows.items() if r["score"] is not None},
        planned=planned,
        in_run={s["id"] for s in suite_rows if s["n_items"] > 0},  # measured for some vendor in this run
        worst_scores={sid: b[0] for sid, b in bounds.items() if b is not None},
        best_scores={sid: b[1] for sid, b in bounds.items() if b is not None},
        attest_critical=attest_critical,
        gate_missing={},
    )


def vendor_tree(
    criteria: CriteriaFile,
    vendor: Vendor,
    suite_rows: Sequence[Mapping[str, Any]],
    items: pd.DataFrame,
    attest: Sequence[Mapping[str, Any]],
    boots: dict[tuple[str, str], FloatArray],
    facts: VendorFacts | None = None,
) -> dict[str, NodeResult]:
    """Every node's score, interval, critical failures, coverage and gate for one vendor (``facts``: this
    vendor's ``vendor_facts``, computed here when not given)."""
    f = facts if facts is not None else vendor_facts(criteria, vendor, suite_rows, items, attest)
    leaf_suites, leaves_under, shares, vrows, vitems = f.leaf_suites, f.leaves_under, f.shares, f.vrows, f.vitems
    scores, planned, in_run, attest_critical = f.scores, f.planned, f.in_run, f.attest_critical
    worst_scores, best_scores = f.worst_scores, f.best_scores
    forms = linear_forms(criteria, scores, leaf_suites, shares)
    planned_forms = linear_forms(criteria, planned, leaf_suites, shares)
    run_forms = linear_forms(criteria, in_run, leaf_suites, shares)
    out: dict[str, NodeResult] = {}
    for node, _, _ in criteria.walk():
        form: Linear | None = forms[node.id]
        score = evaluate(form, scores, shares)
        low = high = None
        if form and form[0] and all((vendor.id, sid) in boots for sid in form[0]):
            combined = weighted_sum((coef, boots[(vendor.id, sid)]) for sid, coef in form[0].items())
            combined = combined + sum(coef * shares[leaf] for leaf, coef in form[1].items())
            low, high = percentile_interval(combined)
        pform = planned_forms[node.id]
        rform = run_forms[node.id]
        lost = sum(coef for sid, coef in rform[0].items() if sid not in scores) if rform else 0.0
        leaves = leaves_under[node.id]
        node_suites = [sid for leaf in leaves for sid in leaf_suites.get(leaf, [])]
        critical = sum(vrows[sid]["critical_failures"] for sid in node_suites)
        critical += sum(n for leaf, n in attest_critical.items() if leaf in leaves)
        gate: GateResult | None = None
        if node.gate is not None and not (set(node_suites) & planned) and not any(a["node"] in leaves for a in attest):
            # no evidence at all: the gate is not evaluated (never 適合, never 不適合)
            gate = {
                "passed": False,
                "incomplete": True,
                "unevaluated": True,
                "status": GATE_UNEVALUATED,
                "reason": "未評価（この実行には、この評価基準の設問も申告の照合項目もない）",
            }
        elif node.gate is not None:
            if node.id not in f.gate_missing:
                sub = vitems[vitems.suite_id.isin(node_suites)]
                # critical items not yet counted as failures that an unscored epoch could still fail
                could_fail = sub.critical & (sub.n_ok < sub.n_epochs) & ((sub.n_ok == 0) | sub.passed)
                f.gate_missing[node.id] = (int(sub.n_errors.sum()), int(sub.n_unscored.sum()), int(could_fail.sum()))
            n_errors, n_unscored, n_could_fail = f.gate_missing[node.id]
            missing: _Missing = {
                "n_errors": n_errors,
                "n_unscored": n_unscored,
                "worst": evaluate(pform, worst_scores, shares),
                "best": evaluate(pform, best_scores, shares),
                "max_critical": critical + n_could_fail,
            }
            cons = node_consistency([vrows[sid]["consistency"] for sid in node_suites if "consistency" in vrows[sid]])
            gate = _gate(node.gate, score, critical, missing, cons)
        out[node.id] = {
            "score": _num(score),
            "ci_low": _num(low),
            "ci_high": _num(high),
            "coverage": _num(1.0 - lost) if rform else None,
            "critical_failures": int(critical),
            "gate": gate,
        }
    return out


def vendor_outcome(
    criteria: CriteriaFile,
    vendor: Vendor,
    suite_rows: Sequence[Mapping[str, Any]],
    items: pd.DataFrame,
    attest: Sequence[Mapping[str, Any]],
    answered: bool,
    facts: VendorFacts | None = None,
) -> tuple[float | None, str, dict[str, str]]:
    """A vendor's total, verdict and gate statuses under ``criteria`` by ``vendor_tree`` and the verdict
    rule of ``aggregate`` (no intervals); the weight sensitivity (decision.py) calls it with changed weights."""
    tree = vendor_tree(criteria, vendor, suite_rows, items, attest, {}, facts)
    gates = {nid: v["gate"] for nid, v in tree.items() if v["gate"] is not None}
    failed = any(not g["incomplete"] and not g["passed"] for g in gates.values())
    pending = not answered or any(g["incomplete"] for g in gates.values())
    verdict = VERDICT_FAIL if failed else (VERDICT_INCOMPLETE if pending else VERDICT_PASS)
    return tree[criteria.id]["score"], verdict, {nid: g["status"] for nid, g in gates.items()}


def aggregate(
    store: RunStore,
    criteria: CriteriaFile,
    suites: list[Suite],
    vendors: list[Vendor],
    *,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    alpha: float = ALPHA,
) -> tuple[dict[str, Any], pd.DataFrame]:
    settings = Settings(n_boot=n_boot, seed=seed, alpha=alpha)
    df = item_table(store, suites)
    from ..review.overrides import apply_human_review, changed_units  # (here: it imports this package)

    human = apply_human_review(store, df)  # final human verdicts replace the machine's (evalkit/review/)
    # items derived by a suite's variants have weight 0 in every score, interval, gate and comparison:
    # they are reported as consistency (consistency.py); operations and counts keep every request
    variant = is_variant(df, suites)
    scored_df = df[~variant] if variant.any() else df
    items = item_level(scored_df)
    binary = binary_suites(items, suites)
    suite_rows, boots = suite_results(scored_df, items, suites, vendors, binary, settings)
    robustness = consistency(item_level(df), suites, vendors) if variant.any() else {}
    by_suite = {row["id"]: row for row in suite_rows}
    derived = df[variant].groupby("suite_id").item_id.nunique() if variant.any() else pd.Series(dtype=int)
    for row in suite_rows:  # the items a suite's variants derived (in the run, the drill-down and the exports)
        row["n_variant_items"] = int(derived.get(row["id"], 0))
    for cons_row in robustness.get("suites", []):
        for vid, summary in cons_row["vendors"].items():
            if vid in by_suite[cons_row["id"]]["vendors"]:
                by_suite[cons_row["id"]]["vendors"][vid]["consistency"] = {
                    k: summary[k] for k in ("n_groups", "n_alike", "consistency")
                }
    weights = item_weights(criteria, suite_rows)
    for row in suite_rows:
        row["item_weight"] = _num(weights[row["id"]])
    attest = attestation_results(criteria, vendors, stored_questionnaires(store))
    node_rows: list[dict[str, Any]] = [
        {
            "id": n.id,
            "title": n.title,
            "clause": n.clause,
            "depth": d,
            "weight": n.weight,
            "gate": n.gate.model_dump() if n.gate else None,
            "is_leaf": n.is_leaf,
            "suites": [s["id"] for s in suite_rows if s["criterion"] == n.id],
            "vendors": {},
        }
        for n, d, _ in criteria.walk()
    ]
    by_id = {row["id"]: row for row in node_rows}
    vendor_rows: list[dict[str, Any]] = []
    gates: list[dict[str, Any]] = []
    facts: dict[str, VendorFacts] = {}  # reused by the weight sensitivity below
    for vendor in vendors:
        facts[vendor.id] = vendor_facts(criteria, vendor, suite_rows, items, attest)
        tree = vendor_tree(criteria, vendor, suite_rows, items, attest, boots, facts[vendor.id])
        for node_id, values in tree.items():
            by_id[node_id]["vendors"][vendor.id] = values
        failed: list[dict[str, Any]] = []
        pending: list[dict[str, Any]] = []
        for nid, v in tree.items():
            if v["gate"] is None:
                continue
            gates.append({"vendor": vendor.id, "node": nid, **v["gate"]})
            entry = {
                "node": nid,
                "title": by_id[nid]["title"],
                "description": by_id[nid]["gate"]["description"],
                "reason": v["gate"]["reason"],
            }
            if v["gate"]["incomplete"]:
                pending.append(entry)
            elif not v["gate"]["passed"]:
                failed.append(entry)
        root = tree[criteria.id]
        vdf = df[df.vendor_id == vendor.id]
        if len(vdf) and not vdf.status.isin(["ok", "not_scored"]).any() and not failed:
            # nothing was answered: no verdict can rest on that, whatever the gates say
            pending.append(
                {
                    "node": criteria.id,
                    "title": "回答なし",
                    "description": "評価対象の回答が1件もない",
                    "reason": f"リクエスト {len(vdf)} 件のいずれにも回答が届いていない",
                }
            )
        verdict = VERDICT_FAIL if failed else (VERDICT_INCOMPLETE if pending else VERDICT_PASS)
        vendor_rows.append(
            {
                "id": vendor.id,
                "name": vendor.name,
                "category": vendor.category,
                "model": vendor.model,
                "provider": vendor.provider,
                "total": root["score"],
                "total_ci_low": root["ci_low"],
                "total_ci_high": root["ci_high"],
                "coverage": root["coverage"],
                "verdict": verdict,
                "failed_gates": failed,
                "pending_gates": pending,
                **vendor_operations(vdf, vendor),
                "attestation": vendor.attestation.model_dump(),
            }
        )
    # verdict first (適合, 判定保留, 不適合), then the total: a vendor that fails a gate never ranks
    # above one that passes them all, whatever its score
    ranked = sorted(
        vendor_rows, key=lambda v: (VERDICT_ORDER.get(v["verdict"], 3), v["total"] is None, -(v["total"] or 0))
    )
    for rank, row in enumerate(ranked, 1):
        row["rank"] = rank
    order = [v["id"] for v in ranked]
    shares = {v.id: attestation_shares(attest, v.id) for v in vendors}
    comparisons = paired_comparisons(
        items, criteria, suite_rows, order, binary, shares, settings.n_boot, settings.seed, settings.alpha
    )
    # as above: a vendor with requests and not one answer is held (判定保留), whatever its gates say
    replied = set(df.loc[df.status.isin(["ok", "not_scored"]), "vendor_id"].unique())
    asked = set(df.vendor_id.unique())
    answered = {v.id: v.id in replied or v.id not in asked for v in vendors}
    decision = decision_results(
        items,
        criteria,
        suite_rows,
        vendors,
        ranked,
        shares,
        VERDICT_ORDER,
        lambda crit: {
            v.id: vendor_outcome(crit, v, suite_rows, items, attest, answered[v.id], facts[v.id]) for v in vendors
        },
        n_boot=settings.n_boot,
        seed=settings.seed,
    )
    planned_any = {s["id"] for s in suite_rows if s["n_items"] > 0}
    leaf_suites = suites_by_leaf(criteria, suite_rows)
    attested = {a["node"] for a in attest}
    unevaluated = [
        {"id": n.id, "title": n.title}
        for n, _, _ in criteria.walk()
        if n.is_leaf and n.weight > 0 and not (set(leaf_suites.get(n.id, {})) & planned_any) and n.id not in attested
    ]
    return {
        "unevaluated_criteria": unevaluated,
        "vendors": ranked,
        "criteria": node_rows,
        "suites": suite_rows,
        "attestation": attest,
        "gates": gates,
        "comparisons": comparisons,
        "bias": bias_results(store, suites, order),
        "counterfactual": pair_results(store, suites, order),
        "order_sensitivity": order_sensitivity(store, suites, order),
        **({"consistency": robustness} if robustness else {}),  # only when the run has variants
        **decision,  # non_inferiority, rank_stability, weight_sensitivity (decision.py)
        "judges": judge_results(store, suites),
        # flags for the committee (item_analysis.py); review_changed: the verdicts human review changed
        "item_analysis": item_analysis(items, suites, vendors, review_changed=changed_units(human)),
        "scoring_sheet": scoring_sheet(criteria.scoring_sheet, node_rows, order),  # None without a sheet
        **({"human_review": human} if human is not None else {}),  # only when the run has review entries
        "statistics": {
            "interval_level": 0.95,
            "alpha": settings.alpha,
            "n_boot": settings.n_boot,
            "seed": settings.seed,
            "min_bootstrap_n": MIN_BOOTSTRAP_N,
            "epochs": int(df.epoch.max()) + 1 if len(df) else 0,
            "unit": "item",
            "multiple_comparisons": "holm",
        },
        "counts": {
            "requests": int(len(df)),
            "ok": int((df.status == "ok").sum()),
            "errors": int((df.status == "error").sum()),
            "not_scored": int(df.status.isin(["not_scored", "pending"]).sum()),
        },
    }, df
