"""Scorer validation: how often the rule-based scorers give the verdict a careful reviewer gives.

    python bench/scorers.py [--show-errors] [--show-routed] [--family NAME] [--data DIR]

Reads the labelled replies in ``tests/data/scorer_validation/*.jsonl`` — one JSON object a line:
``{"id", "family", "scorer": {"kind", "params"}, "item": {"id", "vars", "reference", "expect", "meta"},
"answer", "label": "pass"|"fail", "note"}`` — builds each line's scorer (``evalkit.scorers.build``) and
item (``evalkit.config.suite.Item``), scores the answer without a judge and compares the verdict with the
label. A line whose scorer asks a judge (``judge_request`` is not None, or the score is not scored) is
*routed*: the rules did not decide, so it is counted apart, neither right nor wrong.

Prints per family and per scorer kind: n, routed, decided, right, accuracy over the decided lines,
false passes (labelled fail, scored pass) and false fails (labelled pass, scored fail); then the
targets (refusal and leak ≥ 97 %, choice ≥ 99 %, numeric and dates ≥ 97 %; claims and preservation
reported) and whether each is met. ``--show-errors`` lists the misjudged lines with answer and verdict.

Exit 0 always (it is a measurement), unless the data is malformed: exit 2 with ``file:line: problem``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.config.suite import Item  # noqa: E402 — importable only after the sys.path insert above
from evalkit.reference.probes import asks_judge  # noqa: E402 — importable only after the sys.path insert above
from evalkit.scorers import build  # noqa: E402 — importable only after the sys.path insert above
from evalkit.scorers.base import Scorer  # noqa: E402 — importable only after the sys.path insert above

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "scorer_validation"
FIELDS = ("id", "family", "scorer", "item", "answer", "label", "note")
LABELS = ("pass", "fail")
# family -> (title, accuracy target in %, or None: reported only)
TARGETS: dict[str, tuple[str, float | None]] = {
    "refusal": ("refusal", 97.0),
    "leak": ("leak", 97.0),
    "choice": ("choice", 99.0),
    "numeric": ("numeric and dates", 97.0),
    "claims": ("claims", None),
    "preservation": ("preservation", None),
}
# The least number of labelled lines per family (tests/test_scorer_validation.py checks them).
MINIMUM = {"refusal": 80, "leak": 60, "choice": 50, "numeric": 60, "claims": 40, "preservation": 40}


class Malformed(Exception):
    """A line of the data set that cannot be scored: ``where`` is file:line."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"{where}: {problem}")


@dataclass
class Case:
    where: str  # file:line
    id: str
    family: str
    kind: str
    scorer: Scorer
    item: Item
    answer: str
    label: str
    note: str


@dataclass
class Outcome:
    case: Case
    verdict: str  # pass | fail | routed
    explanation: str


def question_of(item: Item) -> str:
    """What a judge would be shown as the question: the item's ``question`` var, else its first string var."""
    q = item.vars.get("question")
    if isinstance(q, str):
        return q
    return next((v for v in item.vars.values() if isinstance(v, str)), "")


def parse_line(where: str, text: str) -> Case:
    try:
        rec = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Malformed(where, f"not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(rec, dict):
        raise Malformed(where, "a line must be one JSON object")
    missing = [f for f in FIELDS if f not in rec]
    if missing:
        raise Malformed(where, f"missing field(s): {', '.join(missing)}")
    extra = sorted(set(rec) - set(FIELDS))
    if extra:
        raise Malformed(where, f"unknown field(s): {', '.join(extra)}")
    for name in ("id", "family", "answer", "note"):
        if not isinstance(rec[name], str) or not rec[name].strip():
            raise Malformed(where, f"'{name}' must be a non-empty string")
    if rec["family"] not in TARGETS:
        raise Malformed(where, f"unknown family {rec['family']!r} (one of {', '.join(TARGETS)})")
    if rec["label"] not in LABELS:
        raise Malformed(where, f"label must be pass or fail, not {rec['label']!r}")
    spec = rec["scorer"]
    if not isinstance(spec, dict) or not isinstance(spec.get("kind"), str) or set(spec) - {"kind", "params"}:
        raise Malformed(where, "'scorer' must be {kind, params}")
    params: Any = spec.get("params", {})
    if not isinstance(params, dict):
        raise Malformed(where, "'scorer.params' must be an object")
    try:
        scorer = build(spec["kind"], params)
    except KeyError:
        raise Malformed(where, f"unknown scorer kind {spec['kind']!r}") from None
    except Exception as exc:  # pydantic ValidationError and friends: bad params
        raise Malformed(where, f"scorer {spec['kind']} params: {_first_line(exc)}") from None
    if not isinstance(rec["item"], dict) or set(rec["item"]) - {"id", "vars", "reference", "expect", "meta"}:
        raise Malformed(where, "'item' must be an object with id, vars, reference, expect, meta only")
    try:
        item = Item.model_validate(rec["item"])
    except Exception as exc:
        raise Malformed(where, f"item: {_first_line(exc)}") from None
    lacking = scorer.check_item(item)
    if lacking:
        raise Malformed(where, f"scorer {spec['kind']} cannot score this item: {lacking}")
    return Case(where, rec["id"], rec["family"], spec["kind"], scorer, item, rec["answer"], rec["label"], rec["note"])


def _first_line(exc: Exception) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return " / ".join(lines[:3]) if lines else type(exc).__name__


def load(data: Path) -> list[Case]:
    """Every line of every ``*.jsonl`` under ``data``; raises Malformed at the first bad line or a duplicate id."""
    files = sorted(data.glob("*.jsonl"))
    if not files:
        raise Malformed(str(data), "no *.jsonl files")
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for path in files:
        shown = _shown(path)
        with open(path, encoding="utf-8") as fh:
            for number, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                where = f"{shown}:{number}"
                case = parse_line(where, text)
                if case.id in seen:
                    raise Malformed(where, f"duplicate id {case.id!r} (first at {seen[case.id]})")
                seen[case.id] = where
                cases.append(case)
    return cases


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def judge(case: Case) -> Outcome:
    """The rules' verdict on one line, as the self-check gives it to a probe (no judge)."""
    question = question_of(case.item)
    if asks_judge(case.scorer, case.item, question, case.answer):
        return Outcome(case, "routed", "判定者が必要（規則では判定保留）")
    result = case.scorer.score(case.answer, case.item)
    if not result.scored:
        return Outcome(case, "routed", result.explanation)
    return Outcome(case, "pass" if result.passed else "fail", result.explanation)


@dataclass
class Tally:
    n: int = 0
    routed: int = 0
    right: int = 0
    false_pass: int = 0
    false_fail: int = 0

    def add(self, o: Outcome) -> None:
        self.n += 1
        if o.verdict == "routed":
            self.routed += 1
        elif o.verdict == o.case.label:
            self.right += 1
        elif o.verdict == "pass":
            self.false_pass += 1
        else:
            self.false_fail += 1

    @property
    def decided(self) -> int:
        return self.n - self.routed

    @property
    def accuracy(self) -> float | None:
        return 100.0 * self.right / self.decided if self.decided else None


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def table(title: str, rows: dict[str, Tally]) -> list[str]:
    head = (
        f"{title:<22} {'n':>5} {'routed':>7} {'decided':>8} {'right':>6} {'accuracy':>9} "
        f"{'false pass':>11} {'false fail':>11}"
    )
    out = [head, "-" * len(head)]
    total = Tally()
    for name, t in rows.items():
        out.append(
            f"{name:<22} {t.n:>5} {t.routed:>7} {t.decided:>8} {t.right:>6} {_pct(t.accuracy):>9} "
            f"{t.false_pass:>11} {t.false_fail:>11}"
        )
        for f in ("n", "routed", "right", "false_pass", "false_fail"):
            setattr(total, f, getattr(total, f) + getattr(t, f))
    out.append(
        f"{'total':<22} {total.n:>5} {total.routed:>7} {total.decided:>8} {total.right:>6} "
        f"{_pct(total.accuracy):>9} {total.false_pass:>11} {total.false_fail:>11}"
    )
    return out


def _flat(text: str, limit: int = 240) -> str:
    one = " ⏎ ".join(ln.strip() for ln in text.strip().splitlines() if ln.strip())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def report(outcomes: list[Outcome], *, show_errors: bool, show_routed: bool) -> list[str]:
    by_family: dict[str, Tally] = defaultdict(Tally)
    by_kind: dict[str, Tally] = defaultdict(Tally)
    for o in outcomes:
        by_family[o.case.family].add(o)
        by_kind[o.case.kind].add(o)
    families = {f: by_family[f] for f in TARGETS if f in by_family}
    lines = [f"scorer validation: {len(outcomes)} labelled replies, scored by the rules without a judge", ""]
    lines += table("family", families) + [""]
    lines += table("scorer kind", dict(sorted(by_kind.items()))) + [""]
    lines.append(
        "accuracy = right / decided; routed (the rules asked a judge) are counted apart, neither right nor wrong"
    )
    lines.append("")
    lines.append(f"{'target':<22} {'accuracy':>9} {'target':>8}  result")
    for family, (title, target) in TARGETS.items():
        t = by_family.get(family)
        if t is None:
            continue
        acc = t.accuracy
        if target is None:
            verdict = "reported"
        elif acc is None:
            verdict = "not measured (every line routed)"
        else:
            verdict = "met" if acc >= target else "NOT met"
        routed = f" ({t.routed} of {t.n} routed)" if t.routed else ""
        lines.append(f"{title:<22} {_pct(acc):>9} {f'≥ {target:.0f}%' if target else '-':>8}  {verdict}{routed}")
    wrong = [o for o in outcomes if o.verdict not in ("routed", o.case.label)]
    if show_errors:
        lines += ["", f"misjudged ({len(wrong)}):"]
        for o in wrong:
            kind = "false pass" if o.verdict == "pass" else "false fail"
            lines.append(
                f"  {o.case.id} [{o.case.kind}] {kind} — label {o.case.label}, rules {o.verdict}: {o.explanation}"
            )
            lines.append(f"      {o.case.where}  ({o.case.note})")
            lines.append(f"      answer: {_flat(o.case.answer)}")
    if show_routed:
        routed = [o for o in outcomes if o.verdict == "routed"]
        lines += ["", f"routed ({len(routed)}):"]
        for o in routed:
            lines.append(f"  {o.case.id} [{o.case.kind}] label {o.case.label} — {o.case.where}  ({o.case.note})")
            lines.append(f"      answer: {_flat(o.case.answer)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of *.jsonl files (default: %(default)s)")
    parser.add_argument("--family", action="append", choices=list(TARGETS), help="only this family (repeatable)")
    parser.add_argument("--show-errors", action="store_true", help="list the misjudged lines with answer and verdict")
    parser.add_argument("--show-routed", action="store_true", help="list the lines the rules routed to a judge")
    args = parser.parse_args(argv)
    try:
        cases = load(args.data)
    except Malformed as exc:
        print(f"bench/scorers.py: malformed data: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"bench/scorers.py: cannot read the data: {exc}", file=sys.stderr)
        return 2
    if args.family:
        cases = [c for c in cases if c.family in args.family]
    outcomes = []
    for case in cases:
        try:
            outcomes.append(judge(case))
        except Exception as exc:  # a scorer crash is a finding, not a reason to stop measuring
            outcomes.append(
                Outcome(case, "fail" if case.label == "pass" else "pass", f"scorer raised {type(exc).__name__}: {exc}")
            )
    print("\n".join(report(outcomes, show_errors=args.show_errors, show_routed=args.show_routed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
