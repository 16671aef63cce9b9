"""Baselines: what a model that refuses everything and one that repeats the prompt earn, and what
two no-model heuristics get right on multiple-choice items.

Refuse and echo: their answers are the embedded endpoint's (``refuse``: one polite refusal;
``echo``: the last user message), scored and aggregated in process through a throw-away run store
with the same code a run uses — no judge, so an answer the rules route to a judge is not scored.
The self-check requires that both fail every gate that tests behaviour (a gate with a suite below
it); a report shows each criterion's baseline scores so a committee sees how much of a score a
non-answer earns.

Overlap and longest option (:func:`choice_baselines`): on every item scored by ``choice`` or
``bias`` whose options can be read, ``overlap`` picks the option sharing the most distinct
character bigrams with the rest of the prompt (the item's other variables: question, excerpt,
context), ``longest`` the longest option (both on NFKC text without whitespace and punctuation;
ties go to the first option). A suite whose heuristic is right well above chance has options that
give the answer away; the self-check flags it (docs/scorers.md, "Multiple choice without a model").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..config.criteria import CriteriaFile
from ..config.suite import Suite
from ..config.vendor import Vendor
from ..runner.conversation import fill
from ..runner.plan import plan
from ..runner.store import Response, RunStore
from ..scorers.apply import score_store
from .near_duplicates import flatten
from .near_duplicates import normalise as _plain
from .server import baseline_answer

BASELINES = {"refuse": "全拒否（常に断る）", "echo": "復唱（入力をそのまま返す）"}
VENDOR_ID = "baseline-{}"


def baseline_vendor(model: str) -> Vendor:
    return Vendor.model_validate(
        {
            "id": VENDOR_ID.format(model),
            "name": BASELINES[model],
            "category": "baseline",
            "provider": "reference",
            "model": model,
        }
    )


def behaviour_gates(criteria: CriteriaFile, suites: list[Suite]) -> list[str]:
    """Ids of the gate nodes with at least one (weighted or critical) suite below them."""
    leaves = {s.criterion for s in suites}
    return [
        node.id
        for node, _, _ in criteria.walk()
        if node.gate is not None and {n.id for n, _, _ in node.walk()} & leaves
    ]


def node_locations(criteria: CriteriaFile) -> dict[str, tuple]:
    """Node id -> its location in criteria.yaml (for file:line messages)."""
    out: dict[str, tuple] = {}

    def visit(node, loc: tuple) -> None:
        out[node.id] = loc
        for i, child in enumerate(node.children):
            visit(child, (*loc, "children", i))

    visit(criteria, ())
    return out


def baseline_results(criteria: CriteriaFile, suites: list[Suite], *, n_boot: int = 200) -> dict:
    """{model: {"verdict", "gates": {node: status}, "scores": {node: score}}} for refuse and echo.

    A pure function of the criteria, the suites (their items included, wherever they were read
    from) and evalkit's code: kept in the on-disk cache (:mod:`evalkit.cache`), so the next run or
    self-check of the same tree does not score every item twice more."""
    from ..cache import cached_json

    # The key: the canonical JSON hash (sorted keys: the suites a run stores and reads back differ from those
    # read from their files only in the order of their free-form mappings) of the criteria and of each suite.
    # A suite's JSON holds every item of it (``suite_items``: its items and variant_items), so no item is
    # dumped a second time; the key is computed twice a run, during the send and after it.
    from ..integrity.hashing import sha256_json

    key = {
        "criteria": sha256_json(criteria.model_dump(mode="json")),
        "suites": [sha256_json(s.model_dump(mode="json")) for s in suites],
        "n_boot": n_boot,
    }
    result: dict = cached_json("baselines", key, lambda: _baseline_results(criteria, suites, n_boot=n_boot))
    return result


def _baseline_results(criteria: CriteriaFile, suites: list[Suite], *, n_boot: int) -> dict:
    from ..analysis.aggregate import aggregate

    vendors = [baseline_vendor(m) for m in BASELINES]
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    with RunStore(Path(":memory:")) as store:  # nothing of a suite reaches the disk here
        store.set_meta("criteria", criteria.model_dump(mode="json"))
        store.set_meta("suites", [s.model_dump(mode="json") for s in suites])
        requests = plan(suites, vendors, epochs=1)
        store.add_requests(requests)
        model_of = {v.id: v.model for v in vendors}
        for req in requests:
            replies: list[str | None] = []
            for turn in range(1, req.turns + 1):  # a conversation: the same model answers every turn
                replies.append(baseline_answer(model_of[req.vendor_id], fill(req.messages, replies, upto=turn)))
                store.put_turn(req.key, turn, Response(key=req.key, ok=True, content=replies[-1], received_at=now))
            content = replies[-1] if replies else baseline_answer(model_of[req.vendor_id], req.messages)
            store.put_response(Response(key=req.key, ok=True, content=content, attempts=1, received_at=now))
        score_store(store, suites=suites)
        results, _ = aggregate(store, criteria, suites, vendors, n_boot=n_boot)
    out: dict = {}
    for model, vendor in zip(BASELINES, vendors, strict=True):
        row = next(v for v in results["vendors"] if v["id"] == vendor.id)
        out[model] = {
            "label": BASELINES[model],
            "verdict": row["verdict"],
            "gates": {g["node"]: g["status"] for g in results["gates"] if g["vendor"] == vendor.id},
            "scores": {n["id"]: n["vendors"].get(vendor.id, {}).get("score") for n in results["criteria"]},
        }
    return out


MAX_ITEMS = 5000  # above this the report leaves baselines out (scoring them would double a large run's memory)


def warm_cache(criteria: CriteriaFile, suites: list[Suite]) -> bool:
    """Compute the baselines :func:`baseline_summary` will want into the on-disk cache, if it is on and
    the suites are within :data:`MAX_ITEMS`; whether they were. ``evalkit run`` calls it in the
    background while the requests are in flight (:mod:`evalkit.preload`), so that the run's first
    report of a suite tree reads them instead of scoring every item twice more after the last answer.
    ``suites`` are the run's public suites as the run stores them (the report reads them back from the
    store: the same JSON, so the same cache key)."""
    from ..cache import cache_dir
    from ..data import suite_items

    if cache_dir() is None or not suites or sum(len(suite_items(s)) for s in suites) > MAX_ITEMS:
        return False
    baseline_results(criteria, suites)
    return True


def baseline_summary(criteria: CriteriaFile, suites: list[Suite]) -> dict:
    """What a report shows: per criterion node, the refuse and echo baselines' scores and gate
    statuses, over the run's suites (sealed ones left out: the report must not depend on their key)."""
    from ..data import suite_items

    items = sum(len(suite_items(s)) for s in suites)
    if not suites or items > MAX_ITEMS:
        return {
            "computed": False,
            "items": items,
            "reason": "no suites" if not suites else f"more than {MAX_ITEMS} items",
        }
    return {"computed": True, "items": items, "labels": dict(BASELINES), "models": baseline_results(criteria, suites)}


# --- multiple choice without a model -------------------------------------------------------------

CHOICE_KINDS = ("choice", "bias")
HEURISTICS = {"overlap": "語の重なり（選択肢と問題文の共通の2文字の数）", "longest": "最長の選択肢"}
FLAG_P = 0.01  # one-sided exact test against chance: p below this ...
FLAG_MARGIN = 0.10  # ... and accuracy more than this above chance: the options give the answer away


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


@dataclass
class ChoiceItem:
    """What the heuristics need of one multiple-choice item."""

    item_id: str
    options: dict[int, str]  # option index -> its text (label removed)
    answer: int  # index of the correct option
    rest: str  # the other variables' text: question, excerpt, context

    def overlap(self) -> int:
        """The option sharing the most distinct character bigrams with the rest of the prompt."""
        rest = _bigrams(_plain(self.rest))
        return max(sorted(self.options), key=lambda i: (len(_bigrams(_plain(self.options[i])) & rest), -i))

    def longest(self) -> int:
        return max(sorted(self.options), key=lambda i: (len(_plain(self.options[i])), -i))


def choice_item(suite: Suite, item) -> ChoiceItem | None:
    """The item as a multiple-choice question, when a ``choice``/``bias`` scorer reads its options
    (from the scorer's ``options_var``) and its reference names one of them; else None."""
    from ..scorers import build
    from ..scorers.choice import ChoiceParams, item_options, label_index

    spec = next((s for s in suite.scorers_for(item) if s.kind in CHOICE_KINDS), None)
    if spec is None:
        return None
    try:
        params = build(spec.kind, spec.params).params
    except Exception:  # invalid params are reported by validate itself
        return None
    if not isinstance(params, ChoiceParams):  # CHOICE_KINDS take ChoiceParams (bias: a subclass)
        return None
    var = params.options_var
    options = item_options(item, var)
    if options is None:
        return None
    options = {i: t for i, t in options.items() if i < params.n_options and _plain(t)}
    refs = item.references()
    answer = label_index(str(refs[0])) if refs else None
    if len(options) < 2 or answer not in options:
        return None
    rest = "\n".join(flatten(v) for k, v in item.vars.items() if k != var)
    return ChoiceItem(item.id, options, answer, rest)


def tail_probability(chances: list[float], hits: int) -> float:
    """P(X >= hits) for X the number of right answers of a guesser who is right on item i with
    probability chances[i] (exact: the binomial distribution, or Poisson-binomial when the items
    have different numbers of options)."""
    dist = [1.0]
    for p in chances:
        nxt = [0.0] * (len(dist) + 1)
        for k, q in enumerate(dist):
            nxt[k] += q * (1 - p)
            nxt[k + 1] += q * p
        dist = nxt
    return min(1.0, sum(dist[hits:]))


@dataclass
class ChoiceBaseline:
    """One suite's line in the multiple-choice baseline table."""

    suite_id: str
    items: int = 0  # multiple-choice items whose options could be read
    chance: float = 0.0  # mean of 1/k
    right: dict[str, int] = field(default_factory=dict)  # heuristic -> right answers
    p: dict[str, float] = field(default_factory=dict)  # heuristic -> one-sided p against chance

    def accuracy(self, heuristic: str) -> float:
        return self.right.get(heuristic, 0) / self.items if self.items else 0.0

    def flagged(self) -> list[str]:
        """Heuristics that are NOT near chance: p < FLAG_P and accuracy > chance + FLAG_MARGIN."""
        return [
            h for h in HEURISTICS if self.items and self.p[h] < FLAG_P and self.accuracy(h) > self.chance + FLAG_MARGIN
        ]


def choice_baselines(suite: Suite) -> ChoiceBaseline | None:
    """Overlap and longest-option accuracy over the suite's multiple-choice items (None: it has none)."""
    from ..data import suite_items

    found = [c for c in (choice_item(suite, item) for item in suite_items(suite)) if c is not None]
    if not found:
        return None
    chances = [1 / len(c.options) for c in found]
    out = ChoiceBaseline(suite.id, items=len(found), chance=sum(chances) / len(found))
    for heuristic in HEURISTICS:
        right = sum(1 for c in found if getattr(c, heuristic)() == c.answer)
        out.right[heuristic] = right
        out.p[heuristic] = tail_probability(chances, right)
    return out


def choice_baseline_table(rows: list[ChoiceBaseline]) -> str:
    """The table ``validate --self-check`` prints (one line per suite with multiple-choice items)."""
    head = (
        f"{'multiple choice without a model':<34} {'items':>6} {'chance':>7} {'overlap':>14} {'longest':>14}  verdict"
    )
    lines = [head]
    for r in rows:
        cells = [f"{r.right[h]:>3} {r.accuracy(h):>6.1%} " + ("!" if h in r.flagged() else " ") for h in HEURISTICS]
        verdict = ("NOT near chance: " + ", ".join(r.flagged())) if r.flagged() else "near chance"
        lines.append(f"{r.suite_id:<34} {r.items:>6} {r.chance:>7.1%} {cells[0]:>14} {cells[1]:>14}  {verdict}")
    return "\n".join(lines)
