"""`evalkit export inspect RUN_DIR`: one Inspect eval log (``.json``) per (suite, vendor) of a run.

Read from the run store alone (nothing is sent, nothing re-scored). Each log holds:

- ``eval``: task = suite id, task_version = suite version, model = ``<vendor id>/<model>`` (a blinded
  run: ``blinded/<pseudonym id>``, no endpoint), the dataset (item ids), the suite's generation
  parameters, the scorers, and ``metadata.evalkit`` (run, suite, criterion, vendor);
- one sample per item and epoch (Inspect epochs count from 1): ``input`` (the prompt as sent: a string
  for one user message, else the messages before the first reply), ``messages`` (the whole exchange,
  a conversation's replies in place), ``target`` (the item's reference, "" without one), ``choices``
  (a choice item's options when listed), ``output`` (the answer, its stop reason and usage),
  ``scores``, ``model_usage``, ``error`` (a request that failed) and ``metadata`` (ids, tags, status);
- ``results``: per scorer the metrics; ``evalkit`` (the item score) carries the run's own suite score
  and interval (``mean``, ``ci_low``, ``ci_high``, as the report shows them), ``evalkit_pass``
  (C / I) its accuracy;
- ``stats``: start and end of the run and the tokens used.

Scores of a sample: ``evalkit`` (value: the item score in [0, 1]; ``metadata.passed``; the scorers'
explanations joined as evalkit shows them), ``evalkit_pass`` (``C`` passed / ``I`` failed), and one
per scorer of the item, named by its kind (``exact``, ``choice``, …; ``kind_2`` for a second of the
same kind), value its score. An answer no scorer could decide has no scores (``metadata.status``
says ``not_scored``).

A blinded run exports pseudonyms only, with the rules of ``evalkit.integrity.blind`` (ids and names
in free text replaced, no model names, endpoints or request keys). Sealed suites are left out (their
text is in the store only as placeholders; the answers may restate it): the command names them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..i18n import tr
from . import inspect_log as fmt

OUT_DIR = "inspect"
GENERATE_CONFIG_KEYS = ("temperature", "top_p", "max_tokens", "seed", "stop", "frequency_penalty", "presence_penalty")


def _num(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN -> None


def _int(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def _scorer_names(kinds: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for kind in kinds:
        seen[kind] = seen.get(kind, 0) + 1
        names.append(kind if seen[kind] == 1 else f"{kind}_{seen[kind]}")
    return names


class _Shown:
    """What a view may show of vendors: real ids, or a blinded run's pseudonyms."""

    def __init__(self, store: Any) -> None:
        from ..integrity import blind

        self.blinding = blind.of_store(store)
        self.text: Callable[[str], str] = (
            blind.text_renamer(self.blinding) if self.blinding is not None else (lambda s: s)
        )

    def vendor(self, vendor: Any) -> tuple[str, str, str]:
        """(id, name, model) shown for a vendor."""
        if self.blinding is None:
            return vendor.id, vendor.name or vendor.id, f"{vendor.id}/{vendor.model}"
        pid, pname = self.blinding.pseudonyms.get(vendor.id, (vendor.id, vendor.id))
        return pid, pname, f"blinded/{pid}"

    def maybe(self, value: Any) -> Any:
        return self.text(value) if isinstance(value, str) else value


def _messages(stored: list[dict[str, Any]], replies: list[Any], answer: Any, model: str, key: str, shown: _Shown):
    """(input, messages) of a sample: the stored messages (a conversation's script with its replies in
    their slots) as Inspect ChatMessages, then the answer."""
    input_msgs: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    reached_reply = False
    n = 0
    for m in stored:
        n += 1
        mid = fmt.short_id(key, str(n))
        if "reply" in m:  # a conversation's slot: the model's reply of that turn
            reached_reply = True
            idx = int(m["reply"]) - 1
            reply = replies[idx] if idx < len(replies) else None
            if reply is None or not reply.ok:
                break
            messages.append(
                fmt.message(
                    "assistant",
                    shown.maybe(reply.content),
                    mid,
                    source="generate",
                    model=model,
                    tool_calls=fmt.tool_calls(reply.tool_calls, mid),
                )
            )
            continue
        role = m.get("role", "user")
        extra: dict[str, Any] = {}
        if role == "assistant" and m.get("tool_calls"):
            extra["tool_calls"] = fmt.tool_calls(m["tool_calls"], mid)
        if role == "tool":
            extra["tool_call_id"] = m.get("tool_call_id")
        msg = fmt.message(role, m.get("content"), mid, source="input", **extra)
        messages.append(msg)
        if not reached_reply:
            input_msgs.append({k: v for k, v in msg.items() if k != "source"})
    if not any("reply" in m for m in stored) and answer is not None:
        messages.append(answer)
    if len(input_msgs) == 1 and input_msgs[0]["role"] == "user":
        return input_msgs[0]["content"], messages
    return input_msgs, messages


def _suite_meta(suite: Any) -> dict[str, Any]:
    items = {}
    from ..data import suite_items

    for item in suite_items(suite):
        items[item.id] = item
    return items


def _choices(suite: Any, item: Any) -> list[str] | None:
    specs = item.scorers if item.scorers is not None else suite.scorers
    for spec in specs:
        if spec.kind == "choice":
            var = spec.params.get("options_var", "choices")
            raw = item.vars.get(var) if var else None
            if isinstance(raw, list) and all(isinstance(c, str) for c in raw):
                return list(raw)
    return None


def export_inspect(run_dir: Path, out: Path | None = None, *, force: bool = False) -> tuple[list[Path], list[str]]:
    """Write the logs; returns (files written, notices)."""
    from .. import __version__
    from ..analysis import aggregate
    from ..pipeline import load_run, open_run

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UsageError(tr(f"{run_dir}: フォルダがありません", f"{run_dir}: no such directory"))
    out = Path(out) if out is not None else run_dir / OUT_DIR
    if out.exists() and not out.is_dir():
        raise UsageError(tr(f"--out {out}: フォルダではありません", f"--out {out}: not a directory"))
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UsageError(
            tr(
                f"{out} は空ではありません。--force で上書きするか、別の --out を指定してください",
                f"{out} is not empty; pass --force to write into it, or --out another folder",
            )
        )
    notes: list[str] = []
    with open_run(run_dir) as store:
        criteria, suites, vendors = load_run(store)
        manifest = store.get_meta("manifest") or {}
        run_id = str(manifest.get("run_id") or run_dir.name)
        sealed = set(store.get_meta("sealed") or {})
        results, df = aggregate(store, criteria, suites, vendors)
        shown = _Shown(store)
        cells = {(s["id"], vid): cell for s in results.get("suites", []) for vid, cell in s["vendors"].items()}
        rows = {row["key"]: row for row in df.to_dict("records")}
        scores: dict[str, list[tuple]] = {}
        for key, index, kind, score, passed, weight, explanation in store.db.execute(
            "SELECT key, scorer_index, kind, score, passed, weight, explanation FROM scores ORDER BY key, scorer_index"
        ):
            scores.setdefault(key, []).append((index, kind, score, passed, weight, explanation))
        responses = {
            r[0]: r for r in store.db.execute("SELECT key, finish_reason, received_at, reasoning_tokens FROM responses")
        }
        turns = store.turn_responses()
        requests: dict[tuple[str, str], list[tuple]] = {}
        for row in store.db.execute(
            "SELECT key, vendor_id, suite_id, item_id, epoch, messages FROM requests ORDER BY rowid"
        ):
            requests.setdefault((row[2], row[1]), []).append(row)
        if sealed:
            notes.append(
                tr(
                    f"封印スイート {', '.join(sorted(sealed))} は書き出しません"
                    "（問題文は鍵を持つ評価担当者だけが見られます）",
                    f"sealed suite(s) {', '.join(sorted(sealed))} not exported (their text is for key holders only)",
                )
            )
        written: list[Path] = []
        out.mkdir(parents=True, exist_ok=True)
        for suite in suites:
            if suite.id in sealed:
                continue
            items = _suite_meta(suite)
            for vendor in vendors:
                reqs = requests.get((suite.id, vendor.id))
                if not reqs:
                    continue
                log = _log(
                    suite,
                    vendor,
                    reqs,
                    items=items,
                    rows=rows,
                    scores=scores,
                    responses=responses,
                    turns=turns,
                    cell=cells.get((suite.id, vendor.id)) or {},
                    shown=shown,
                    run_id=run_id,
                    manifest=manifest,
                    version=__version__,
                )
                sid, _, _ = shown.vendor(vendor)
                name = (
                    f"{fmt.file_stamp(manifest.get('started_at'))}_{fmt.file_part(suite.id)}_"
                    f"{fmt.file_part(sid)}_{log['eval']['task_id']}.json"
                )
                path = out / name
                tmp = path.with_name(f".{name}.tmp")
                tmp.write_text(fmt.dumps(log), encoding="utf-8")
                shutil.move(str(tmp), path)
                written.append(path)
    return written, notes


def _log(suite: Any, vendor: Any, reqs: list[tuple], **ctx: Any) -> dict[str, Any]:
    shown: _Shown = ctx["shown"]
    run_id: str = ctx["run_id"]
    manifest: dict[str, Any] = ctx["manifest"]
    vid, vname, model = shown.vendor(vendor)
    blinded = shown.blinding is not None
    task_id = fmt.short_id(run_id, str(manifest.get("started_at")), suite.id, vid, "task")  # unique per run
    samples = []
    total_usage: dict[str, Any] = {}
    scorer_kinds: dict[str, str] = {}  # name -> kind, in first-seen order
    n_error = n_pending = n_done = 0
    for key, _vendor_id, _suite_id, item_id, epoch, stored in reqs:
        item = ctx["items"].get(item_id)
        row = ctx["rows"].get(key) or {}
        status = row.get("status", "pending")
        resp = ctx["responses"].get(key)
        content = shown.maybe(row.get("content"))
        sample_usage = fmt.usage(
            _int(row.get("prompt_tokens")), _int(row.get("completion_tokens")), _int(row.get("reasoning_tokens"))
        )
        if sample_usage:
            fmt.add_usage(total_usage, sample_usage)
        error_text = None
        if status == "error":
            n_error += 1
            error_text = shown.maybe(f"{row.get('error_kind') or 'error'}: {row.get('error_message') or ''}".strip())
        elif status == "pending":
            n_pending += 1
        else:
            n_done += 1
        latency = _num(row.get("latency_ms"))
        answer = None
        if status != "pending":
            answer_id = fmt.short_id(key, "output")
            answer_output = fmt.model_output(
                model,
                content,
                answer_id,
                stop_reason=fmt.stop_reason(resp[1] if resp else None),
                usage=sample_usage,
                time=None if latency is None else latency / 1000,
                error=error_text,
                tool_calls=fmt.tool_calls(row.get("tool_calls"), answer_id),
            )
            answer = answer_output["choices"][0]["message"] if status != "error" else None
        else:
            answer_output = {"model": model, "choices": [], "completion": ""}
        sample_input, messages = _messages(json.loads(stored), ctx["turns"].get(key, []), answer, model, key, shown)
        sample: dict[str, Any] = {"id": item_id, "epoch": int(epoch) + 1, "input": sample_input}
        choices = _choices(suite, item) if item is not None else None
        if choices:
            sample["choices"] = choices
        reference = item.reference if item is not None else None
        sample["target"] = reference if reference is not None else ""
        sample["messages"] = messages
        sample["output"] = answer_output
        sample_scores: dict[str, Any] = {}
        item_score = _num(row.get("score"))
        passed = row.get("passed")
        if status == "ok" and item_score is not None:
            explanation = shown.maybe(row.get("explanation") or "")
            sample_scores["evalkit"] = {
                "value": item_score,
                "answer": content,
                "explanation": explanation,
                "metadata": {"passed": passed},
            }
            scorer_kinds.setdefault("evalkit", "evalkit")
            if passed is not None:
                sample_scores["evalkit_pass"] = {
                    "value": fmt.CORRECT if passed else fmt.INCORRECT,
                    "answer": content,
                    "explanation": explanation,
                }
                scorer_kinds.setdefault("evalkit_pass", "evalkit_pass")
        per = ctx["scores"].get(key, [])
        for name, (index, kind, score, ok, weight, text) in zip(_scorer_names([p[1] for p in per]), per, strict=True):
            if score is None:
                continue
            sample_scores[name] = {
                "value": float(score),
                "explanation": shown.maybe(text),
                "metadata": {"passed": None if ok is None else bool(ok), "weight": weight, "scorer_index": index},
            }
            scorer_kinds.setdefault(name, kind)
        if sample_scores:
            sample["scores"] = sample_scores
        metadata: dict[str, Any] = {
            "suite_id": suite.id,
            "item_id": item_id,
            "vendor_id": vid,
            "status": status,
            "tags": list(item.tags) if item is not None else [],
            "critical": bool(row.get("critical")),
            "attempts": _int(row.get("attempts")),
            "latency_ms": latency,
        }
        if not blinded:
            metadata["request_key"] = key
        if status == "error":
            metadata["error_kind"] = row.get("error_kind")
            metadata["http_status"] = _int(row.get("http_status"))
        sample["metadata"] = metadata
        sample["store"] = {}
        sample["model_usage"] = {model: sample_usage} if sample_usage else {}
        sample["role_usage"] = {}
        received = resp[2] if resp else None
        if received:
            sample["completed_at"] = received
        if latency is not None:
            sample["total_time"] = round(latency / 1000, 3)
            sample["working_time"] = round(latency / 1000, 3)
        sample["uuid"] = fmt.short_id(run_id, key, "sample")
        if error_text:
            sample["error"] = fmt.eval_error(error_text)
        sample["error_retries"] = []
        sample["turn_count"] = max(1, sum(1 for m in json.loads(stored) if "reply" in m))
        samples.append(sample)

    cell = ctx["cell"]
    eval_scores: list[dict[str, Any]] = []
    scored_samples = {name: sum(1 for s in samples if name in (s.get("scores") or {})) for name in scorer_kinds}
    for name, kind in scorer_kinds.items():
        values = [s["scores"][name]["value"] for s in samples if name in (s.get("scores") or {})]
        metrics: dict[str, Any] = {}
        if name == "evalkit_pass":
            acc = sum(1 for v in values if v == fmt.CORRECT) / len(values) if values else 0.0
            metrics["accuracy"] = {"name": "accuracy", "value": acc, "params": {}}
        elif name == "evalkit":
            mean = _num(cell.get("score"))
            if mean is None:
                mean = sum(values) / len(values) if values else 0.0
            metrics["mean"] = {"name": "mean", "value": mean, "params": {}}
            for bound in ("ci_low", "ci_high"):
                value = _num(cell.get(bound))
                if value is not None:
                    metrics[bound] = {
                        "name": bound,
                        "value": value,
                        "params": {},
                        "metadata": {"interval": cell.get("interval"), "level": 0.95},
                    }
        else:
            metrics["mean"] = {"name": "mean", "value": sum(values) / len(values) if values else 0.0, "params": {}}
        eval_scores.append(
            {
                "name": name,
                "scorer": kind,
                "scored_samples": scored_samples[name],
                "unscored_samples": len(samples) - scored_samples[name],
                "params": {},
                "metrics": metrics,
            }
        )
    generation = suite.generation.merged(vendor.generation).request_params()
    eval_spec: dict[str, Any] = {
        "eval_id": fmt.short_id(run_id, suite.id, vid, "eval"),
        "run_id": fmt.short_id(run_id, "run"),
        "created": manifest.get("started_at") or "1970-01-01T00:00:00+00:00",
        "task": suite.id,
        "task_id": task_id,
        "task_version": suite.version,
        "task_display_name": suite.title,
        "task_attribs": {},
        "task_args": {},
        "task_args_passed": {},
        "dataset": {
            "name": suite.id,
            "samples": len({r[3] for r in reqs}),
            "sample_ids": list(dict.fromkeys(r[3] for r in reqs)),
            "shuffled": False,
        },
        "model": model,
        "model_generate_config": {k: generation[k] for k in GENERATE_CONFIG_KEYS if generation.get(k) is not None},
        "model_args": {},
        "config": {"epochs": max((int(r[4]) for r in reqs), default=0) + 1, **fmt.EVAL_CONFIG},
        "packages": {"evalkit": ctx["version"]},
        "metadata": {
            "evalkit": {
                "run_id": run_id,
                "suite_id": suite.id,
                "suite_version": suite.version,
                "criterion": suite.criterion,
                "vendor_id": vid,
                "vendor_name": vname,
                "category": vendor.category,
                "blinded": blinded,
            }
        },
        "scorers": [
            {
                "name": name,
                "options": {},
                "metrics": [
                    {"name": f"inspect_ai/{m}", "options": {}} for m in s["metrics"] if not m.startswith("ci_")
                ],
                "metadata": {},
            }
            for name, s in zip(scorer_kinds, eval_scores, strict=True)
        ],
    }
    if not blinded and vendor.base_url:
        eval_spec["model_base_url"] = vendor.base_url
    log: dict[str, Any] = {
        "version": fmt.LOG_VERSION,
        "status": "success" if not (n_error or n_pending) else "error",
        "eval": eval_spec,
        "plan": {
            "name": "plan",
            "steps": [{"solver": "evalkit", "params": {}, "params_passed": {}}],
            "config": {k: generation[k] for k in GENERATE_CONFIG_KEYS if generation.get(k) is not None},
        },
        "results": {
            "total_samples": len(samples),
            "completed_samples": n_done,
            "scores": eval_scores,
        },
        "stats": {
            "started_at": manifest.get("started_at") or "",
            "completed_at": manifest.get("finished_at") or "",
            "model_usage": {model: total_usage} if total_usage else {},
            "role_usage": {},
        },
    }
    if "evalkit_pass" in scorer_kinds:
        log["results"]["headline"] = {"scorer": "evalkit_pass", "score": "evalkit_pass", "metric": "accuracy"}
    if n_error or n_pending:
        log["error"] = fmt.eval_error(
            f"{n_error} request(s) ended in an error, {n_pending} never answered (evalkit run status)"
        )
    log["invalidated"] = False
    log["tags"] = []
    log["metadata"] = eval_spec["metadata"]
    log["samples"] = samples
    return log
