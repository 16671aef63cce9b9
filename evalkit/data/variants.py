"""Robustness variants: items derived from a suite's items when the suite is loaded.

A suite's ``variants:`` (or an item's own, which replace them) names transforms; each derives from
every item one new item ``<item>~<name>`` (a paraphrase: one per paraphrase, ``~paraphrase``,
``~paraphrase2``…) whose ``variant_of`` names the item and whose ``variant`` records the transform,
its parameters and its seed. The derived items are kept apart in ``suite.variant_items`` (so what counts
the tender's items — floors, weights per item, tags, docs/suites.md — counts the suite's own items) and
``evalkit.data.suite_items`` returns them after every item read from the file or its source, so
planning, the store, resume, epochs, scoring and the oracle treat them as ordinary items; the
aggregation gives them weight 0 and reports them as consistency (evalkit/analysis/consistency.py).

What each transform changes (evalkit/data/transforms.py) is the text the prompt shows, the item's
``vars``: never the reference, the scorers or meta (what the scorers read), so a derived item keeps
its source's probes — except ``option_order``, which moves the options of a choice item, remaps the
reference (and ``meta.aliases``) to the labels the options now have, joins the item's
``meta.variant_group`` (so order sensitivity counts it too) and drops the probes (a probe that names a
label would name the wrong option now; the source item's probes prove its scoring).

A variant whose vars come out unchanged (no sentence ending to rewrite, no kana to slip) is not
derived: it would be the same request as its source.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from ..config.issues import ConfigIssue
from ..config.suite import Item, Suite, VariantSpec
from ..i18n import tr
from . import transforms as tf

ISSUE_CAP = 3  # problems shown per variant spec (the others counted)
CHOICE_LABELS = ("abcdefgh", "ABCDEFGH", "アイウエオカキク", "12345678", "①②③④⑤⑥⑦⑧", "ａｂｃｄｅｆｇｈ")


class VariantProblem(ValueError):
    """Why a variant cannot be derived from an item (a config issue at the variant's line)."""


class NotChoice(Exception):
    """option_order met an item without a choice scorer: it derives nothing from it (a suite may mix choice
    and open items); a spec that derives from no item at all is a problem."""


def item_rng(spec: VariantSpec, suite_id: str, item_id: str) -> random.Random:
    """The seeded generator of one (variant, item): the same seed gives the same variant on every load."""
    return random.Random(f"{spec.seed}|{suite_id}|{item_id}|{spec.suffix}")


def _options_var(suite: Suite, item: Item) -> str | None:
    for spec in suite.scorers_for(item):
        if spec.kind == "bias":
            raise VariantProblem(
                tr(
                    "option_order は bias 採点器の設問には使えません（選択肢の意味が記号に結び付いています）",
                    "option_order cannot be used on bias-scored items (their meta names options by label)",
                )
            )
        if spec.kind == "choice":
            value = spec.params.get("options_var", "choices")
            return str(value) if value else None
    return None


def _text_vars(suite: Suite, item: Item, spec: VariantSpec) -> list[str]:
    if spec.vars is not None:
        missing = [name for name in spec.vars if name not in item.vars]
        if missing:
            raise VariantProblem(
                tr(
                    f"問題 '{item.id}' に変数 {', '.join(missing)} がありません",
                    f"item '{item.id}' has no variable {', '.join(missing)}",
                )
            )
        return list(spec.vars)
    texts = [name for name, value in item.vars.items() if isinstance(value, str | list)]
    if spec.transform in ("paraphrase", "distractor"):
        return ["question"] if "question" in item.vars else texts[:1]
    options = None
    for s in suite.scorers_for(item):
        if s.kind in ("choice", "bias"):
            options = s.params.get("options_var", "choices")
    return [name for name in texts if name != options]


def _map_text(value: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [fn(v) if isinstance(v, str) else v for v in value]
    return value


def _label_of(label: str, index: int) -> str | None:
    for labels in CHOICE_LABELS:
        if len(label) == 1 and label in labels:
            return labels[index] if index < len(labels) else None
    return None


def _index_of(label: str) -> int | None:
    for labels in CHOICE_LABELS:
        if len(label.strip()) == 1 and label.strip() in labels:
            return labels.index(label.strip())
    return None


def option_order(suite: Suite, item: Item, spec: VariantSpec, rng: random.Random) -> dict[str, Any]:
    """The update of a choice item with its options in a seeded new order and its reference (and
    ``meta.aliases``) remapped to where the same option texts now stand."""
    var = _options_var(suite, item)
    if var is None and not any(spec.kind == "choice" for spec in suite.scorers_for(item)):
        raise NotChoice(item.id)
    raw = item.vars.get(var) if var else None
    if var is None or raw is None:
        raise VariantProblem(
            tr(
                f"option_order には選択肢のある choice の設問が必要です（問題 '{item.id}'）",
                f"option_order needs a choice item with options (item '{item.id}')",
            )
        )
    n = len(raw) if isinstance(raw, list) else len(tf.option_lines(str(raw)))
    if n < 2:
        raise VariantProblem(
            tr(
                f"問題 '{item.id}' の選択肢（{var}）を読み取れません",
                f"cannot read the options ({var}) of item '{item.id}'",
            )
        )
    order = tf.permutation(n, rng)
    where = {old: new for new, old in enumerate(order)}  # old index -> its new index

    def remap(label: str) -> str:
        index = _index_of(label)
        if index is None or index >= n:
            raise VariantProblem(
                tr(
                    f"問題 '{item.id}' の参照解答 {label!r} は選択肢の記号ではありません",
                    f"the reference {label!r} of item '{item.id}' is not an option label",
                )
            )
        new = _label_of(label.strip(), where[index])
        assert new is not None  # (the same label set holds every index below n)
        return new

    refs = item.references()
    if not refs:
        raise VariantProblem(tr(f"問題 '{item.id}' に参照解答がありません", f"item '{item.id}' has no reference"))
    reference: str | list[str] = remap(refs[0]) if isinstance(item.reference, str) else [remap(r) for r in refs]
    meta = dict(item.meta)
    aliases = meta.get("aliases")
    if isinstance(aliases, dict):
        meta["aliases"] = {remap(str(k)): v for k, v in aliases.items()}
    meta.setdefault("variant_group", f"{suite.id}/{item.id}")
    vars_ = {**item.vars, var: tf.reorder(raw if isinstance(raw, list) else str(raw), order)}
    return {"vars": vars_, "reference": reference, "meta": meta, "probes": [], "_params": {"order": order}}


def _text_transform(spec: VariantSpec, rng: random.Random) -> Callable[[str], str]:
    if spec.transform == "width":
        to = spec.to or "half"
        return lambda s: tf.width(s, to)
    if spec.transform == "kana":
        to, rate = spec.to or "hiragana", spec.rate or 1.0
        return lambda s: tf.kana(s, to, rate, rng)
    if spec.transform == "keigo":
        to = spec.to or "plain"
        return lambda s: tf.keigo(s, to)
    if spec.transform == "typos":
        rate = spec.rate or 0.03
        return lambda s: tf.typos(s, rate, rng)
    if spec.transform == "distractor":
        added = spec.text or tf.DISTRACTORS[0]
        return lambda s: tf.distractor(s, added)
    raise AssertionError(spec.transform)


def _recorded(spec: VariantSpec, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    params = spec.model_dump(exclude_none=True, exclude={"transform", "seed", "name"})
    defaults: dict[str, dict[str, Any]] = {
        "width": {"to": "half"},
        "kana": {"to": "hiragana", "rate": 1.0},
        "keigo": {"to": "plain"},
        "typos": {"rate": 0.03},
    }
    params = {**defaults.get(spec.transform, {}), **params, **(extra or {})}
    return {"transform": spec.transform, "name": spec.suffix, "seed": spec.seed, "params": params}


def derive_item(suite: Suite, item: Item, spec: VariantSpec) -> list[Item]:
    """The items ``spec`` derives from ``item`` (none when the transform leaves the vars as they are)."""
    if item.meta.get("pair") is not None:
        raise VariantProblem(
            tr(
                f"反実仮想の組（meta.pair）の設問 '{item.id}' には variants を付けられません",
                f"variants cannot be derived from a counterfactual pair item (meta.pair) '{item.id}'",
            )
        )
    rng = item_rng(spec, suite.id, item.id)
    base: dict[str, Any] = {"variant_of": item.id, "variants": None, "paraphrases": []}
    if spec.transform == "option_order":
        update = option_order(suite, item, spec, rng)
        order_params: dict[str, Any] = update.pop("_params")
        return [
            item.model_copy(
                update={**base, **update, "id": f"{item.id}~{spec.suffix}", "variant": _recorded(spec, order_params)}
            )
        ]
    names = _text_vars(suite, item, spec)
    if spec.transform == "paraphrase":
        texts = item.paraphrases or [str(p) for p in item.meta.get("paraphrases", []) or []]
        out = []
        for k, text in enumerate(texts):
            vars_ = {**item.vars, **{name: text for name in names[:1]}}
            suffix = spec.suffix if k == 0 else f"{spec.suffix}{k + 1}"
            if vars_ == item.vars:
                continue
            out.append(
                item.model_copy(
                    update={
                        **base,
                        "id": f"{item.id}~{suffix}",
                        "vars": vars_,
                        "variant": _recorded(spec, {"index": k}),
                    }
                )
            )
        return out
    extra: dict[str, Any] = {}
    if spec.transform == "distractor" and spec.text is None:
        extra["text"] = rng.choice(tf.DISTRACTORS)
    fn = _text_transform(spec.model_copy(update=extra), rng)
    vars_ = {k: (_map_text(v, fn) if k in names else v) for k, v in item.vars.items()}
    if vars_ == item.vars:
        return []
    variant = _recorded(spec, extra)
    return [item.model_copy(update={**base, "id": f"{item.id}~{spec.suffix}", "vars": vars_, "variant": variant})]


def derive(
    suite: Suite, issue: Callable[[tuple[str | int, ...], str], ConfigIssue]
) -> tuple[list[Item], list[ConfigIssue]]:
    """Every item derived from ``suite.items`` by the suite's (or each item's own) variants, and the
    problems, positioned by ``issue(loc, message)`` at the variant that could not be derived."""
    issues: list[ConfigIssue] = []
    derived: list[Item] = []
    problems: dict[tuple[str | int, ...], list[str]] = {}
    choice_specs: set[tuple[str | int, ...]] = set()  # option_order specs that derived from some item
    not_choice: dict[tuple[str | int, ...], str] = {}  # ... that met an item without a choice scorer
    from . import n_inline

    inline = n_inline(suite)
    for position, item in enumerate(suite.items):
        if item.variant_of is not None or item.variant is not None or "~" in item.id:
            field = "variant_of" if item.variant_of is not None else ("variant" if item.variant is not None else "id")
            loc: tuple[str | int, ...] = ("items", position, field)
            issues.append(
                issue(
                    loc,
                    tr(
                        "variant_of、variant と id の ~ は evalkit が派生させた設問のものです"
                        "（スイートには書けません）",
                        "variant_of, variant and a ~ in an id belong to items evalkit derives (not written in a suite)",
                    ),
                )
            )
            continue
        own = item.variants is not None
        specs = item.variants if item.variants is not None else suite.variants
        names = [s.suffix for s in specs]
        for k, spec in enumerate(specs):
            where: tuple[str | int, ...] = (
                ("items", position, "variants", k) if own and position < inline else ("variants", k)
            )
            if names.count(spec.suffix) > 1:
                if names.index(spec.suffix) == k:
                    issues.append(
                        issue(
                            where,
                            tr(
                                f"変形 '{spec.suffix}' が重複しています（name で区別してください）",
                                f"variant '{spec.suffix}' is declared twice (tell them apart with name)",
                            ),
                        )
                    )
                continue
            try:
                derived += derive_item(suite, item, spec)
                if spec.transform == "option_order":
                    choice_specs.add(where)
            except NotChoice as exc:
                not_choice.setdefault(where, str(exc))
            except VariantProblem as exc:
                problems.setdefault(where, []).append(str(exc))
    for where, first in not_choice.items():
        if where not in choice_specs and where not in problems:
            problems[where] = [
                tr(
                    f"option_order には選択肢のある choice の設問が必要です（問題 '{first}' ほか）",
                    f"option_order needs a choice item with options (item '{first}' and others)",
                )
            ]
    for where, messages in problems.items():
        for message in messages[:ISSUE_CAP]:
            issues.append(issue(where, message))
        if len(messages) > ISSUE_CAP:
            rest = len(messages) - ISSUE_CAP
            issues.append(issue(where, tr(f"ほかに {rest} 問で同じ種類の問題があります", f"and {rest} more items")))
    return derived, issues


def apply(suite: Suite, issue: Callable[[tuple[str | int, ...], str], ConfigIssue]) -> list[ConfigIssue]:
    """Set ``suite.variant_items`` to the items derived from ``suite``'s items (none when any problem is found)."""
    if suite.variant_items:
        message = tr(
            "variant_items は evalkit が設定するものです（スイートには書けません）",
            "variant_items is set by evalkit (not written in a suite)",
        )
        return [issue(("variant_items",), message)]
    derived, issues = derive(suite, issue)
    suite.variant_items = [] if issues else derived
    return issues
