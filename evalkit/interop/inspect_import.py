"""`evalkit import inspect LOG`: a suite YAML from an Inspect eval log's samples.

A task evaluated with inspect_ai (or Japan AISI's aisev, built on it) can then be re-run here against
the tender's vendors. Each sample (the first epoch of each id) becomes one item:

- ``id``: the sample id (characters an item id cannot hold become ``-``; the original is kept in
  ``meta.inspect_id``);
- ``input``: a string -> ``vars.input`` with the prompt ``{{ input }}``; chat messages -> system
  messages joined into ``vars.system`` (the suite's ``system_prompt: "{{ system }}"``), one user message
  -> ``vars.input``, several -> ``turns`` (user messages as ``{{ m1 }}``, ``{{ m2 }}`` … over ``vars``;
  assistant messages as fixed replies). A log that evalkit exported keeps each conversation's whole
  script (the messages marked ``source: input``);
- ``target`` -> ``reference`` (a list stays a list); ``choices`` -> ``vars.choices`` and a ``choice``
  item (``n_options`` = the number of choices), the options listed under the question as A) B) …
  (as Inspect's ``multiple_choice`` solver shows them) unless the log came from evalkit, whose inputs
  are the prompts as sent;
- ``metadata.tags`` (a list of strings) -> ``tags``.

Scorers (written in a comment at the top of the file): ``choice`` for samples with choices; for
targets, ``exact`` when the log was scored by Inspect's ``exact`` scorer or evalkit's, else
``contains`` (the reference appears in the answer, normalised: Inspect's ``match`` and ``includes``
are closest to it). A sample with neither a target nor choices has nothing to score against and is
left out (named in a notice), as is one whose input is not text (images, tool calls).

The suite is written only if it validates (``evalkit validate``); its criterion is ``--criterion``,
else the one an evalkit export recorded in ``eval.metadata.evalkit``.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from ..config.issues import ConfigError, ConfigIssue
from ..errors import UsageError
from ..i18n import tr
from ..importers.suite_yaml import render_suite
from . import inspect_log as fmt

LABELS = "ABCDEFGH"
PROMPT = "{{ input }}"
CHOICE_PROMPT = """{{ input }}
{%- if choices is defined and show_choices is defined %}

{% for c in choices %}{{ "ABCDEFGH"[loop.index0] }}) {{ c }}
{% endfor %}
回答は選択肢の記号（A、B、C …）1文字のみを出力してください。
{%- endif %}"""
VERSION = re.compile(r"^\d+(\.\d+){0,2}([.\-+][0-9A-Za-z.\-]+)?$")
EXACT_SCORERS = {"exact"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "task"


def _item_id(raw: Any, seen: set[str]) -> str:
    text = re.sub(r"[^A-Za-z0-9_.\-]+", "-", str(raw)).strip("-")
    if not text or not text[0].isalnum():
        text = f"s{text}"
    candidate, n = text, 1
    while candidate in seen:
        n += 1
        candidate = f"{text}-{n}"
    seen.add(candidate)
    return candidate


def _from_evalkit(log: dict[str, Any]) -> dict[str, Any] | None:
    meta = (log.get("eval") or {}).get("metadata") or {}
    found = meta.get("evalkit") if isinstance(meta, dict) else None
    return found if isinstance(found, dict) else None


def _target_kind(log: dict[str, Any]) -> str:
    names = {str(s.get("name")) for s in (log["eval"].get("scorers") or []) if isinstance(s, dict)}
    names |= {str(s.get("scorer")) for s in ((log.get("results") or {}).get("scores") or []) if isinstance(s, dict)}
    return "exact" if names & EXACT_SCORERS else "contains"


def _conversation(messages: list[Any]) -> tuple[str, list[dict[str, Any]]] | None:
    """(system text, [(role, text)]) of chat messages; None when a message is not plain text."""
    system: list[str] = []
    rest: list[dict[str, Any]] = []
    for m in messages:
        if not isinstance(m, dict):
            return None
        text = fmt.content_text(m.get("content"))
        role = m.get("role")
        if text is None or role not in ("system", "user", "assistant") or m.get("tool_calls"):
            return None
        if role == "system":
            system.append(text)
        else:
            rest.append({"role": role, "text": text})
    return "\n\n".join(system), rest


def _item(sample: dict[str, Any], item_id: str, *, evalkit: bool) -> tuple[dict[str, Any] | None, str | None]:
    """(item, None) or (None, why it is left out)."""
    raw = sample.get("input")
    vars_: dict[str, Any] = {}
    item: dict[str, Any] = {"id": item_id}
    tags = (sample.get("metadata") or {}).get("tags") if isinstance(sample.get("metadata"), dict) else None
    if isinstance(tags, list) and all(isinstance(t, str) for t in tags) and tags:
        item["tags"] = list(tags)
    if isinstance(raw, str):
        vars_["input"] = raw
    elif isinstance(raw, list):
        messages = raw
        if evalkit:  # the whole script: every message that was not the model's own reply
            script = [m for m in sample.get("messages") or [] if isinstance(m, dict) and m.get("source") == "input"]
            messages = script or raw
        parsed = _conversation(messages)
        if parsed is None:
            return None, "input that is not plain text (images, tool calls or tool results)"
        system, rest = parsed
        while rest and rest[-1]["role"] == "assistant":
            rest.pop()
        if not rest:
            return None, "no user message"
        if system:
            vars_["system"] = system
        if len(rest) == 1:
            vars_["input"] = rest[0]["text"]
        else:
            turns = []
            n = 0
            for m in rest:
                if m["role"] == "user":
                    n += 1
                    vars_[f"m{n}"] = m["text"]
                    turns.append({"user": f"{{{{ m{n} }}}}"})
                else:
                    turns.append({"assistant": m["text"]})
            item["turns"] = turns
            vars_["input"] = rest[-1]["text"]  # (the suite's prompt renders for every item; turns are sent)
    else:
        return None, "no input"
    target = sample.get("target")
    reference: str | list[str] | None = None
    if isinstance(target, str) and target.strip():
        reference = target
    elif isinstance(target, list) and [t for t in target if isinstance(t, str) and t.strip()]:
        refs = [t for t in target if isinstance(t, str) and t.strip()]
        reference = refs[0] if len(refs) == 1 else refs
    choices = sample.get("choices")
    if isinstance(choices, list) and choices and all(isinstance(c, str) for c in choices):
        if not 2 <= len(choices) <= len(LABELS):
            return None, f"{len(choices)} choices (evalkit's choice scorer takes 2 to 8)"
        first = reference[0] if isinstance(reference, list) else reference
        if first is None:
            return None, "choices without a target"
        vars_["choices"] = list(choices)
        if not evalkit:
            vars_["show_choices"] = True
        reference = first.strip()
        item["_choice"] = len(choices)
    elif reference is None:
        return None, "no target to score against"
    item["vars"] = vars_
    item["reference"] = reference
    if str(sample.get("id")) != item_id:
        item["meta"] = {"inspect_id": str(sample.get("id"))}
    return item, None


def build_suite(
    log: dict[str, Any], path: Path, *, criterion: str | None = None, suite_id: str | None = None
) -> tuple[dict[str, Any], list[str], str]:
    """(suite as a plain dict, notes, the scorer comment) for an Inspect log read by ``read_log``."""
    spec = log["eval"]
    from_evalkit = _from_evalkit(log)
    task = str(spec.get("task") or "task")
    notes: list[str] = []
    seen: set[str] = set()
    by_id: set[str] = set()
    items: list[dict[str, Any]] = []
    skipped: Counter = Counter()
    examples: dict[str, str] = {}
    for sample in log["samples"]:
        key = str(sample.get("id"))
        if key in by_id:  # a later epoch of the same sample
            continue
        by_id.add(key)
        item, why = _item(sample, _item_id(sample.get("id"), seen), evalkit=from_evalkit is not None)
        if item is None:
            skipped[why] += 1
            examples.setdefault(str(why), key)
            continue
        items.append(item)
    for why, n in skipped.items():
        notes.append(f"{n} sample(s) left out: {why} (e.g. id {examples[str(why)]})")
    if not items:
        raise UsageError(
            tr(
                f"{path}: スイートにできるサンプルがありません（{'; '.join(notes)}）",
                f"{path}: no sample can become an item ({'; '.join(notes)})",
            )
        )
    if criterion is None:
        criterion = (from_evalkit or {}).get("criterion")
        if not isinstance(criterion, str) or not criterion:
            raise UsageError(
                tr(
                    f"{path}: このスイートが属する評価基準の葉を --criterion ID で指定してください",
                    f"{path}: choose the criteria-tree leaf the suite serves with --criterion ID",
                )
            )
    target_kind = _target_kind(log)
    n_choice = Counter(it["_choice"] for it in items if "_choice" in it)
    n_target = sum(1 for it in items if "_choice" not in it)
    if n_choice and sum(n_choice.values()) >= n_target:
        options = n_choice.most_common(1)[0][0]
        default: list[dict[str, Any]] = [{"kind": "choice", "params": {"n_options": options}}]
    else:
        default = [{"kind": target_kind}]
    for item in items:
        n = item.pop("_choice", None)
        mine = [{"kind": "choice", "params": {"n_options": n}}] if n else [{"kind": target_kind}]
        if mine != default:
            item["scorers"] = mine
    if any("system" in it["vars"] for it in items):
        for item in items:
            item["vars"].setdefault("system", "")
        if any(not it["vars"]["system"] for it in items):
            notes.append("some samples have a system message and others not: those get an empty one")
    counts = (
        "、".join(f"choice {sum(n_choice.values())} 問" for _ in [0] if n_choice)
        + ("、" if n_choice and n_target else "")
        + (f"{target_kind} {n_target} 問" if n_target else "")
    )
    version = str(spec.get("task_version", "")) if spec.get("task_version") not in (None, "") else "1.0.0"
    if not VERSION.match(version):
        notes.append(f"task_version {version!r} is not an evalkit version: the suite is version 1.0.0")
        version = "1.0.0"
    title = spec.get("task_display_name") or task
    digest = hashlib.sha256(path.read_bytes()).digest()
    canary = uuid.UUID(bytes=digest[:16], version=4)
    suite: dict[str, Any] = {
        "schema_version": 1,
        "id": suite_id or f"external.inspect_{slug(task)}",
        "version": version,
        "title": f"Inspect — {title}（{path.name}）",
        "criterion": criterion,
        "description": (
            f"Inspect の評価ログ {path.name}（タスク {task}、モデル {spec.get('model', '?')}）のサンプルから "
            f"`evalkit import inspect` で生成したスイート。{len(items)} 問（{counts}）。"
            + (
                "evalkit が書き出したログのため、入力は送信したとおりのプロンプトです。"
                if from_evalkit
                else "入力は Inspect のサンプルの input です（ソルバーが加えた指示は含みません）。"
            )
        ),
        "canary": f"evalkit-canary:{canary}",
        "publish": False,
    }
    if any("system" in it["vars"] for it in items):
        suite["system_prompt"] = "{{ system }}"
    suite["prompt"] = CHOICE_PROMPT if any("show_choices" in it["vars"] for it in items) else PROMPT
    config = spec.get("model_generate_config") or {}
    generation = {k: config[k] for k in ("temperature", "top_p", "max_tokens", "seed") if config.get(k) is not None}
    suite["generation"] = generation or {"temperature": 0, "max_tokens": 1024, "seed": 0}
    suite["scorers"] = default
    suite["items"] = items
    comment = (
        f"Scorers: 'choice' for samples with choices (the target letter is the reference); '{target_kind}' for "
        "samples with a target ("
        + (
            "the log was scored with an exact-match scorer"
            if target_kind == "exact"
            else "the reference must appear in the answer, normalised; closest to Inspect's match/includes"
        )
        + "). Change them here if the task needs another kind (docs/scorers.md)."
    )
    return suite, notes, comment


def render_yaml(suite: dict[str, Any], out: Path, source: Path, comment: str) -> str:
    return render_suite(
        suite,
        out,
        [
            f"Generated by `evalkit import inspect {source.name}` from an Inspect eval log's samples.",
            comment,
            "publish: false until the log's data licence allows publishing its text.",
            "The canary GUID marks this file's text so that its presence in training data can be detected.",
        ],
    )


def import_inspect(
    log_path: Path,
    out: Path | None = None,
    *,
    criterion: str | None = None,
    suite_id: str | None = None,
    criteria: Path | None = None,
    force: bool = False,
) -> tuple[Path, dict[str, Any], list[str]]:
    """Write the suite for ``log_path``; validated before it replaces anything. Returns (path, suite, notes)."""
    from ..config.loader import load_workspace

    log_path = Path(log_path)
    log = fmt.read_log(log_path)
    suite, notes, comment = build_suite(log, log_path, criterion=criterion, suite_id=suite_id)
    name = suite["id"].split(".", 1)[-1]
    out = Path(out) if out else Path("suites") / "external" / f"{name}.yaml"
    if out.exists() and not force:
        raise UsageError(
            tr(
                f"{out} は既にあります。--force で置き換えるか、別の --out を指定してください",
                f"{out} exists; pass --force to replace it, or --out another file",
            )
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render_yaml(suite, out, log_path, comment)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp.yaml")
    tmp.write_text(text, encoding="utf-8")
    try:
        ws = load_workspace([tmp], criteria)
        if ws.criteria is None:
            raise UsageError(
                tr(
                    f"{out.parent} より上に criteria.yaml がありません。--criteria FILE で指定してください",
                    f"no criteria.yaml found above {out.parent}; pass --criteria FILE",
                )
            )
        if ws.issues:
            raise ConfigError([ConfigIssue(str(out), i.line, i.column, i.field, i.message) for i in ws.issues])
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out, suite, notes
