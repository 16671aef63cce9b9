"""`evalkit calibrate`: how often does a judge give the probes the verdict they must get?

Every probe whose answer the rules route to a judge (docs/scorers.md, "Probes") is sent to each
judge through the runner and a run store of its own, so a calibration resumes and never sends a
finished request again. For each judge alone, the probe's final verdict is what its scorers give
with that judge's answer; accuracy and Cohen's kappa against the probes' labels are computed per
suite and overall.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path

from .analysis.calibration import agreement
from .config.generation import Generation
from .config.suite import Item, Probe, Suite
from .config.vendor import Vendor
from .reference.probes import ROUTED, probe_outcome, questions_of
from .runner.plan import endpoint_id, request_key
from .runner.store import STORE_NAME, PlannedRequest, RunStore
from .scorers.base import Scorer

RESULT_NAME = "calibration.json"


@dataclass
class Case:
    """One routed probe: the scorers that asked a judge, and per judge the request keys."""

    suite_id: str
    item: Item
    index: int  # the probe's index in the item
    probe: Probe
    routed: list[tuple[int, Scorer]]  # (scorer index, scorer) that asked a judge
    keys: dict[str, list[str]]  # judge id -> request key per routed scorer (same order)
    answers: list[str] = field(default_factory=list)  # the reply each routed scorer read (same order)


def plan_calibration(
    suites: list[Suite], judges: list[Vendor], sealed: dict | None = None
) -> tuple[list[PlannedRequest], list[Case], dict]:
    """The judges' requests for every routed probe of ``suites``, the cases they decide, and the
    probes' verdict counts by rules ({suite: {pass, fail, routed}})."""
    from .integrity.sealed import sealed_messages

    requests: dict[str, PlannedRequest] = {}
    cases: list[Case] = []
    by_rules: dict[str, dict[str, int]] = {}
    cache: dict = {}
    for suite in suites:
        counts = by_rules.setdefault(suite.id, {"pass": 0, "fail": 0, "routed": 0})
        info = (sealed or {}).get(suite.id)
        for item in suite.items:
            if not item.probes:
                continue
            asked_here = questions_of(suite, item)
            for j, probe in enumerate(item.probes):
                outcome = probe_outcome(
                    suite, item, probe.answers(), asked=asked_here, cache=cache, calls=probe.calls()
                )
                counts[outcome.verdict] += 1
                if outcome.verdict != ROUTED:
                    continue
                # the judge prompt of each scorer that asked for one (asked once, used for every judge)
                asked = [
                    (i, s, request)
                    for i, s in outcome.routed
                    if (request := s.judge_request(item, *outcome.exchanges[i])) is not None
                ]
                case = Case(suite.id, item, j, probe, [(i, s) for i, s, _ in asked], {})
                case.answers = [outcome.exchanges[i][1] for i, _, _ in asked]
                for judge in judges:
                    keys = []
                    for _, _, (messages, max_tokens) in asked:
                        params = (
                            Generation(temperature=0, max_tokens=max_tokens).merged(judge.generation).request_params()
                        )
                        key = request_key(
                            judge.id, endpoint_id(judge), judge.model, messages, params, 0, suite_id=suite.id
                        )
                        keys.append(key)
                        if key not in requests:
                            stored = sealed_messages(messages, info) if info is not None else None
                            requests[key] = PlannedRequest(
                                key,
                                judge.id,
                                suite.id,
                                f"{item.id}#probe{j}",
                                0,
                                messages,
                                params,
                                stored_messages=stored,
                            )
                    case.keys[judge.id] = keys
                cases.append(case)
    return list(requests.values()), cases, by_rules


def judged_verdict(case: Case, judge_id: str, answers: dict[str, str | None]) -> bool | None:
    """The probe's verdict with this judge's answers: False when a routed scorer fails, True when all
    pass, None when the judge's answer is missing or unreadable for one of them."""
    verdict: bool | None = True
    for (_, scorer), key, text in zip(case.routed, case.keys[judge_id], case.answers, strict=True):
        if key not in answers:  # (one key and one answer per routed scorer)
            return None
        result = scorer.score_judged(text, case.item, [(judge_id, answers[key])])
        if not result.scored:
            verdict = None
        elif not result.passed:
            return False
    return verdict


def calibrate(
    suites: list[Suite], judges: list[Vendor], out_dir: Path, *, quiet: bool = False, sealed: dict | None = None
) -> dict:
    """Send the routed probes to the judges (resuming ``out_dir``'s store) and measure agreement."""
    from .integrity.sealed import check_sealed_judges
    from .pipeline import RunOptions, _run_requests

    check_sealed_judges(sealed or {}, judges)  # an echoing judge would write sealed probes to disk
    out_dir.mkdir(parents=True, exist_ok=True)
    requests, cases, by_rules = plan_calibration(suites, judges, sealed)
    with RunStore(out_dir / STORE_NAME) as store:
        store.add_requests(requests)
        summary = asyncio.run(_run_requests(store, requests, judges, suites, RunOptions(out_dir, quiet=quiet), []))
        answers: dict[str, str | None] = {}
        for key, ok, content in store.db.execute("SELECT key, ok, content FROM responses"):
            answers[key] = content if ok else None
    result: dict = {
        "judges": {},
        "by_rules": by_rules,
        "routed_probes": len(cases),
        "requests": len(requests),
        "errors": summary.errors,
    }
    for judge in judges:
        per_suite: dict[str, list[tuple[bool, bool | None]]] = {}
        for case in cases:
            per_suite.setdefault(case.suite_id, []).append(
                (case.probe.expect == "pass", judged_verdict(case, judge.id, answers))
            )
        everything = [c for rows in per_suite.values() for c in rows]
        result["judges"][judge.id] = {
            "overall": agreement(everything),
            "suites": {sid: agreement(rows) for sid, rows in sorted(per_suite.items())},
        }
    (out_dir / RESULT_NAME).write_text(
        json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return result


def calibration_table(result: dict) -> str:
    """One line per judge and suite: routed probes judged, accuracy, kappa, false passes."""
    head = f"{'judge':<12} {'suite':<34} {'n':>4} {'agree':>6} {'acc':>6} {'kappa':>6} {'f.pass':>6} {'undec':>6}"
    lines = [head]

    def fmt(v: float | None) -> str:
        return "-" if v is None else f"{v:.2f}"

    for jid, data in result["judges"].items():
        rows = list(data["suites"].items()) + [("(all)", data["overall"])]
        for sid, a in rows:
            lines.append(
                f"{jid:<12} {sid:<34} {a['n']:>4} {a['agree']:>6} {fmt(a['accuracy']):>6} "
                f"{fmt(a['kappa']):>6} {a['false_pass']:>6} {a['undecided']:>6}"
            )
    return "\n".join(lines)
