"""Aggregation: items -> suites -> criteria tree -> total, with gates, attestation checks,
paired comparisons of vendors and BBQ bias scores.

The result is a plain, JSON-serialisable dict: the report renders it and ``summary.json``
stores it, so every number shown can be traced back to the store. Every statistic, its
formula and the reason for it are in docs/statistics.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..collector import paused
from ..config.attestation import NOT_APPLICABLE, AttestationFile, stored_questionnaires
from ..config.criteria import CriteriaFile, CriterionNode, Gate
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
from .tables import NO_ROWS, Positions, item_level, item_table, row_groups
from .tree import Linear, evaluate, item_weights, linear_forms, subtree_leaves, suites_by_leaf

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

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


@dataclass(frozen=True)
class _ItemColumns:
    """The columns of the item-level table (``tables.item_level``) the suite rows and gates read, as arrays."""

    n_ok: IntArray
    n_epochs: IntArray
    n_pass: IntArray
    n_errors: IntArray
    n_unscored: IntArray
    score: FloatArray
    score_sum: FloatArray
    passed: BoolArray
    critical: BoolArray
    disagree: BoolArray

    @classmethod
    def of(cls, items: pd.DataFrame) -> _ItemColumns:
        def ints(name: str) -> IntArray:
            return items[name].to_numpy(dtype=np.int64)

        def flags(name: str) -> BoolArray:
            return items[name].to_numpy(dtype=bool)

        return cls(
            n_ok=ints("n_ok"),
            n_epochs=ints("n_epochs"),
            n_pass=ints("n_pass"),
            n_errors=ints("n_errors"),
            n_unscored=ints("n_unscored"),
            score=items.score.to_numpy(dtype=float),
            score_sum=items.score_sum.to_numpy(dtype=float),
            passed=flags("passed"),
            critical=flags("critical"),
            disagree=flags("disagree"),
        )


def binary_suites(items: pd.DataFrame, suites: list[Suite]) -> dict[str, bool]:
    """A suite is pass/fail when every scored item score of every vendor in it is 0 or 1."""
    by_suite = row_groups(items, "suite_id")
    scored = items.n_ok.to_numpy() > 0
    score = items.score.to_numpy(dtype=float)
    out = {}
    for suite in suites:
        rows = by_suite.get(suite.id, NO_ROWS)
        scores = score[rows[scored[rows]]]
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
    requests, per_item = row_groups(df, "suite_id", "vendor_id"), row_groups(items, "suite_id", "vendor_id")
    n_items = items.groupby("suite_id", sort=False).item_id.nunique() if len(items) else pd.Series(dtype=int)
    error = (df.status == "error").to_numpy(dtype=bool)
    open_ = df.status.isin(["not_scored", "pending"]).to_numpy(dtype=bool)
    latency_ms = df.latency_ms.to_numpy(dtype=float, na_value=np.nan)
    c = _ItemColumns.of(items)
    for suite in suites:
        per_vendor: dict[str, dict[str, Any]] = {}
        for vendor in vendors:
            req = requests.get((suite.id, vendor.id), NO_ROWS)
            vi = per_item.get((suite.id, vendor.id), NO_ROWS)
            scored = vi[c.n_ok[vi] > 0]
            values = c.score[scored].tolist()
            # one resampling stream per (vendor, suite): the suite interval (continuous scores) and
            # every node interval above it use the same resamples
            boot = None
            if len(values) >= 2:
                rng = derive_seed("suite", vendor.id, suite.id, seed=settings.seed)
                boot = boots[(vendor.id, suite.id)] = bootstrap_means(values, rng, settings.n_boot)
            mean, low, high, method = mean_interval(values, binary=binary[suite.id], boot=boot)
            n_epochs = int(c.n_epochs[vi].max()) if len(vi) else 0
            latency = latency_ms[req]
            latency = latency[~np.isnan(latency)]
            row: dict[str, Any] = {
                "score": _num(mean),
                "ci_low": _num(low),
                "ci_high": _num(high),
                "interval": method,
                "n": int(len(vi)),
                "n_scored": int(len(scored)),
                "n_passed": int(c.passed[scored].sum()),
                "n_errors": int(error[req].sum()),
                "n_not_scored": int(open_[req].sum()),
                "n_requests": int(len(req)),
                "n_items_incomplete": int((c.n_ok[vi] < c.n_epochs[vi]).sum()),
                "critical_failures": int((c.critical[scored] & ~c.passed[scored]).sum()),
                # (pandas' median of the latencies that are not NaN is numpy's median of them)
                "latency_p50_ms": _num(np.median(latency)) if len(scored) and len(latency) else None,
                "epochs": n_epochs,
            }
            if n_epochs > 1:
                multi = scored[c.n_ok[scored] >= 2]
                full = scored[c.n_ok[scored] == n_epochs]
                row["epoch_disagreement"] = _num(c.disagree[multi].mean()) if len(multi) else None
                row["epoch_disagreement_n"] = int(len(multi))
                row["pass_at_k"] = (
                    _num(
                        np.mean(
                            [
                                pass_at_k(int(n_ok), int(n_pass), n_epochs)
                                for n_ok, n_pass in zip(c.n_ok[full].tolist(), c.n_pass[full].tolist(), strict=True)
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
                "n_items": int(n_items.get(suite.id, 0)),
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


def _mean(values: FloatArray) -> float:
    """The mean as pandas' ``Series.mean`` takes it: NaN left out of the sum and of the count."""
    missing = np.isnan(values)
    count = len(values) - int(np.count_nonzero(missing))
    if not count:
        return math.nan
    if count < len(values):
        values = np.where(missing, 0.0, values)
    return float(values.sum() / count)


def _item_bounds(c: _ItemColumns, rows: Positions) -> tuple[float, float] | None:
    """Lowest and highest suite score if every unscored epoch were scored 0 or 1; None without items
    (``rows``: the positions of the suite's items of one vendor in the item-level table)."""
    if not len(rows):
        return None
    score_sum, n_epochs = c.score_sum[rows], c.n_epochs[rows]
    worst = _mean(score_sum / n_epochs)
    best = _mean((score_sum + n_epochs - c.n_ok[rows]) / n_epochs)
    return worst, best


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
    columns: _ItemColumns  # the item-level table's
    suite_items: dict[str, Positions]  # suite id -> positions of this vendor's items in the item-level table
    scores: dict[str, float]
    planned: set[str]
    in_run: set[str]
    worst_scores: dict[str, float]
    best_scores: dict[str, float]
    attest_critical: dict[str, int]
    gate_missing: dict[str, tuple[int, int, int]]  # gated node -> (errors, unscored, could fail), filled lazily
    nodes: dict[str, _NodeFacts] = field(default_factory=dict)  # filled lazily by ``_node_facts``


@dataclass(frozen=True)
class _NodeFacts:
    """What ``vendor_tree`` reads of one node for one vendor that the weights do not change."""

    suites: list[str]  # the suites of the leaves under the node
    critical: int  # critical failures under it (items and attestation checks)
    evidence: bool  # this vendor has requests in a suite under it, or an attestation check is under it
    consistency: float | None  # of the suites under it (read for a gated node only)


def _node_facts(f: VendorFacts, node: CriterionNode, attest: Sequence[Mapping[str, Any]]) -> _NodeFacts:
    found = f.nodes.get(node.id)
    if found is None:
        leaves = f.leaves_under[node.id]
        suites = [sid for leaf in leaves for sid in f.leaf_suites.get(leaf, [])]
        critical = sum(f.vrows[sid]["critical_failures"] for sid in suites)
        critical += sum(n for leaf, n in f.attest_critical.items() if leaf in leaves)
        evidence = bool(set(suites) & f.planned) or any(a["node"] in leaves for a in attest)
        cons = (
            node_consistency([f.vrows[sid]["consistency"] for sid in suites if "consistency" in f.vrows[sid]])
            if node.gate is not None
            else None
        )
        found = f.nodes[node.id] = _NodeFacts(suites, critical, evidence, cons)
    return found


def vendor_facts(
    criteria: CriteriaFile,
    vendor: Vendor,
    suite_rows: Sequence[Mapping[str, Any]],
    items: pd.DataFrame,
    attest: Sequence[Mapping[str, Any]],
) -> VendorFacts:
    vrows = {s["id"]: s["vendors"][vendor.id] for s in suite_rows}
    vitems = items[items.vendor_id == vendor.id]
    columns = _ItemColumns.of(vitems)
    suite_items = row_groups(vitems, "suite_id")
    planned = {sid for sid, r in vrows.items() if r["n"] > 0}  # requests exist for this vendor
    bounds = {sid: _item_bounds(columns, suite_items.get(sid, NO_ROWS)) for sid in planned}
    attest_critical: dict[str, int] = {}
    for a in attest:
        if a["critical"] and not a["vendors"][vendor.id]["ok"]:
            attest_critical[a["node"]] = attest_critical.get(a["node"], 0) + 1
    return VendorFacts(
        leaf_suites=suites_by_leaf(criteria, suite_rows),
        leaves_under=subtree_leaves(criteria),
        shares=attestation_shares(attest, vendor.id),
        vrows=vrows,
        columns=columns,
        suite_items=suite_items,
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
    leaf_suites, shares, scores, planned, in_run = f.leaf_suites, f.shares, f.scores, f.planned, f.in_run
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
        facts_of_node = _node_facts(f, node, attest)
        node_suites, critical = facts_of_node.suites, facts_of_node.critical
        gate: GateResult | None = None
        if node.gate is not None and not facts_of_node.evidence:
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
                c = f.columns
                sub = np.concatenate(
                    [f.suite_items.get(sid, NO_ROWS) for sid in dict.fromkeys(node_suites)] + [NO_ROWS]
                )
                # critical items not yet counted as failures that an unscored epoch could still fail
                could_fail = c.critical[sub] & (c.n_ok[sub] < c.n_epochs[sub]) & ((c.n_ok[sub] == 0) | c.passed[sub])
                f.gate_missing[node.id] = (
                    int(c.n_errors[sub].sum()),
                    int(c.n_unscored[sub].sum()),
                    int(could_fail.sum()),
                )
            n_errors, n_unscored, n_could_fail = f.gate_missing[node.id]
            missing: _Missing = {
                "n_errors": n_errors,
                "n_unscored": n_unscored,
                "worst": evaluate(pform, worst_scores, shares),
                "best": evaluate(pform, best_scores, shares),
                "max_critical": critical + n_could_fail,
            }
            gate = _gate(node.gate, score, critical, missing, facts_of_node.consistency)
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
    """The run's results (what summary.json stores) and its item table."""
    # the item table and the results are tens of thousands of small objects (a row of text per request, a dict
    # per item), all kept, none in a cycle; the collector's full passes that building them set off traverse
    # every object of the run each time (the suites' items above all): a tenth of the aggregation of 10,000
    # items (collector.py)
    with paused():
        return _aggregate(store, criteria, suites, vendors, Settings(n_boot=n_boot, seed=seed, alpha=alpha))


def _aggregate(
    store: RunStore, criteria: CriteriaFile, suites: list[Suite], vendors: list[Vendor], settings: Settings
) -> tuple[dict[str, Any], pd.DataFrame]:
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
