"""The load gates of criteria.yaml (``load_gates`` of a node), judged on a load test's result.

A gate is judged at the step with its number of users:
- 適合 / 不適合: the step ran and its metric is at most / above the limit;
- 不適合 also when the ramp was stopped for errors at or before that step (the service could not carry
  that many users; a step stopped early is judged on the errors that stopped it);
- 未評価: the profile has no such step, the test ended (request or time limit) before it, or the
  metric has no value there (TTFT of a vendor that does not stream, no successful answer).
"""

from __future__ import annotations

from typing import Any

from ..config.criteria import CriterionNode

PASS, FAIL, NOT_EVALUATED = "適合", "不適合", "未評価"


def load_gates(tree: CriterionNode | None, result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every load gate of the tree with its value and verdict, in the tree's order."""
    if tree is None:
        return []
    steps = {step["users"]: step for step in result.get("steps", [])}
    stopped_at = next((s["users"] for s in result.get("steps", []) if s.get("stopped_early")), None)
    out = []
    for node, _depth, _parent in tree.walk():
        for n, gate in enumerate(node.load_gates, 1):
            step = steps.get(gate.users)
            value = step.get(gate.metric) if step else None
            if step is not None and step.get("stopped_early"):
                verdict = FAIL
            elif step is None:
                failed_before = stopped_at is not None and stopped_at <= gate.users and gate.users in _planned(result)
                verdict = FAIL if failed_before else NOT_EVALUATED
            elif value is None:
                verdict = NOT_EVALUATED
            else:
                verdict = PASS if value <= gate.max else FAIL
            out.append(
                {
                    "id": f"{node.id}.load{n}",
                    "title": gate.description,
                    "users": gate.users,
                    "metric": gate.metric,
                    "limit": gate.max,
                    "value": value,
                    "verdict": verdict,
                }
            )
    return out


def _planned(result: dict[str, Any]) -> list[int]:
    return list(result.get("profile", {}).get("steps", []))
