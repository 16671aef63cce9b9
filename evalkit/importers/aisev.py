"""`evalkit import aisev FILE.csv`: a suite YAML from a Japan AISI aisev data set CSV.

aisev (https://github.com/Japan-AISI/aisev, Apache-2.0) keeps its evaluation data as CSV files with
the columns ``ten_perspective, scorer, requirement, text, gsn_perspective`` (multiple choice rows
add ``ans0..ansN`` and ``output``; model-graded rows put the reference answer in ``output``).
Each row becomes one item (rules in ``evalkit.data.presets.aisev_row``):

- ``requirement`` rows -> scorer ``judge`` with the requirement as rubric (``meta.rubric``);
- ``multiplechoice`` rows -> scorer ``choice`` over ``ans0..ansN`` (``output`` = A/B/... or the text);
- ``model_graded_qa`` rows -> scorer ``judge`` with ``output`` as the reference answer shown to the judge.

One CSV gives one suite. Its criterion is ``--criterion``, else the criteria-tree leaf of the
dominant AISI perspective (``AISI_PERSPECTIVES``, documented in docs/datasets.md). The perspective
and GSN id become tags (``AISI:…``, ``GSN:…``). The file is written only if it validates.
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
from ..data.errors import SourceError
from ..data.presets import AISI_PERSPECTIVES, aisev_row
from ..data.readers import read_csv
from ..errors import UsageError
from .suite_yaml import render_suite

PROMPT = """{{ text }}
{% if choices is defined and choices %}

選択肢：
{{ choices }}

回答は選択肢の記号（a、b、c …）1文字のみを出力してください。
{% endif %}
"""
ATTRIBUTION = "出典：AIセーフティ・インスティテュート（J-AISI）「aisev」評価データ（{name}）、Apache License 2.0"
SCORER_NAMES = {"judge": "judge（LLM判定）", "choice": "choice（選択肢）"}


def slug(path: Path) -> str:
    stem = path.name
    for suffix in (".csv", ".sample", ".CSV"):
        stem = stem[: -len(suffix)] if stem.endswith(suffix) else stem
    text = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_")
    text = text[len("aisev_") :] if text.startswith("aisev_") else text
    return text or "data"


def _version(path: Path) -> str:
    match = re.search(r"v(\d+(?:\.\d+){0,2})(?!\d)", path.name)
    return match.group(1) if match else "1.0.0"


def _item_id(row: dict, derived: dict) -> str:
    blob = "\x1f".join(str(row.get(k, "")) for k in sorted(row))
    digest = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:8]
    gsn = re.sub(r"[^A-Za-z0-9_.\-]+", "-", derived.get("gsn") or "").strip("-")
    return f"aisev-{gsn}-{digest}" if gsn else f"aisev-{digest}"


def _default_scorers(kinds: Counter) -> list[dict]:
    if kinds.get("judge", 0) >= kinds.get("choice", 0):
        return [{"kind": "judge", "params": {"rubric_field": "rubric"}}]
    return [{"kind": "choice"}]


def build_suite(csv_path: Path, *, criterion: str | None = None, suite_id: str | None = None) -> tuple[dict, list[str]]:
    """The suite (as a plain dict, in file order) and notes for the user; ConfigError for bad rows."""
    try:
        rows, where = read_csv(csv_path, "utf-8", None)
    except SourceError as exc:
        raise UsageError(f"{csv_path}: {exc.message}") from None
    if not rows:
        raise UsageError(f"{csv_path}: no rows")
    missing = [c for c in ("ten_perspective", "scorer", "text") if c not in rows[0]]
    if missing:
        raise ConfigError(
            [
                ConfigIssue(
                    str(csv_path),
                    1,
                    1,
                    "(header)",
                    f"missing column(s) {', '.join(missing)}; an aisev CSV has "
                    "ten_perspective, scorer, requirement, text, gsn_perspective",
                )
            ]
        )
    issues: list[ConfigIssue] = []
    items: list[dict] = []
    kinds: Counter = Counter()
    perspectives: Counter = Counter()
    seen: set[str] = set()
    notes: list[str] = []
    duplicates = 0
    for row, at in zip(rows, where, strict=True):
        line = int(at.rsplit(":", 1)[1])
        try:
            derived = aisev_row(row)
        except ValueError as exc:
            issues.append(ConfigIssue(str(csv_path), line, 1, "(row)", str(exc)))
            continue
        item_id = _item_id(row, derived)
        if item_id in seen:
            duplicates += 1
            continue
        seen.add(item_id)
        perspectives[derived["perspective"] or ""] += 1
        kind = derived["scorers"][0]["kind"]
        kinds[kind] += 1
        item: dict[str, Any] = {"id": item_id, "tags": derived["tags"], "vars": {"text": derived["text"]}}
        if derived["choices"]:
            item["vars"]["choices"] = derived["choices"]
        if derived["reference"] is not None:
            item["reference"] = derived["reference"]
        meta = {"aisev_scorer": derived["scorer"], "perspective": derived["perspective"], "gsn": derived["gsn"]}
        if derived["rubric"]:
            meta["rubric"] = derived["rubric"]
        item["meta"] = {k: v for k, v in meta.items() if v}
        item["_scorers"] = derived["scorers"]
        items.append(item)
    if issues:
        raise ConfigError(issues)
    if duplicates:
        notes.append(f"{duplicates} duplicate row(s) skipped")
    if criterion is None:
        dominant, _ = perspectives.most_common(1)[0]
        criterion = AISI_PERSPECTIVES.get(dominant)
        if criterion is None:
            known = "unknown to evalkit" if dominant not in AISI_PERSPECTIVES else "not measured by any leaf"
            raise UsageError(
                f"{csv_path}: AISI perspective '{dominant}' is {known}; choose the criteria-tree leaf "
                "with --criterion ID (see the mapping in docs/datasets.md)"
            )
        others = sorted({AISI_PERSPECTIVES.get(p) or "?" for p in perspectives} - {criterion})
        if others:
            notes.append(
                f"rows of several perspectives: the suite serves '{criterion}' (the dominant one); "
                f"rows that map to {', '.join(others)} are tagged but scored under it"
            )
    default = _default_scorers(kinds)
    for item in items:
        scorers = item.pop("_scorers")
        if [s["kind"] for s in scorers] != [s["kind"] for s in default] or scorers[0].get("params") != default[0].get(
            "params"
        ):
            item["scorers"] = scorers
    name = csv_path.name
    listed = "、".join(p for p, _ in perspectives.most_common() if p) or "（観点なし）"
    counts = "、".join(f"{SCORER_NAMES.get(k, k)} {n}問" for k, n in kinds.most_common())
    suite = {
        "schema_version": 1,
        "id": suite_id or f"external.aisev_{slug(csv_path)}",
        "version": _version(csv_path),
        "title": f"AISI aisev — {listed}（{name}）",
        "criterion": criterion,
        "description": (
            f"J-AISI の評価ツール aisev のデータ {name} から `evalkit import aisev` で生成したスイート。"
            f"AISI の評価観点「{listed}」の設問 {len(items)} 問（{counts}）。requirement 行は"
            "要件（meta.rubric）を基準に LLM 判定（judge）で採点し、判定者を指定しない実行では未採点となる。"
        ),
        "canary": f"evalkit-canary:{uuid.uuid4()}",
        "publish": True,
        "attribution": ATTRIBUTION.format(name=name),
        "prompt": PROMPT,
        "generation": {"temperature": 0, "max_tokens": 1024, "seed": 0},
        "scorers": default,
        "items": items,
    }
    return suite, notes


def render_yaml(suite: dict, out: Path, source: Path) -> str:
    return render_suite(
        suite,
        out,
        [
            f"Generated by `evalkit import aisev {source.name}` from Japan AISI's aisev data (Apache-2.0).",
            "Re-run the import after the CSV changes; edit by hand only with care (ids derive from row content).",
            "The canary GUID marks this file's text so that its presence in training data can be detected.",
        ],
    )


def import_aisev(
    csv_path: Path,
    out: Path | None = None,
    *,
    criterion: str | None = None,
    suite_id: str | None = None,
    criteria: Path | None = None,
    force: bool = False,
) -> tuple[Path, dict, list[str]]:
    """Write the suite for ``csv_path``; validated before it replaces anything. Returns (path, suite, notes)."""
    from ..config.loader import load_workspace

    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise UsageError(f"{csv_path}: no such file")
    suite, notes = build_suite(csv_path, criterion=criterion, suite_id=suite_id)
    out = Path(out) if out else Path("suites") / "external" / f"aisev_{slug(csv_path)}.yaml"
    if out.exists() and not force:
        raise UsageError(f"{out} exists; pass --force to replace it, or --out another file")
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render_yaml(suite, out, csv_path)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp.yaml")
    tmp.write_text(text, encoding="utf-8")
    try:
        ws = load_workspace([tmp], criteria)
        if ws.criteria is None:
            raise UsageError(f"no criteria.yaml found above {out.parent}; pass --criteria FILE")
        if ws.issues:
            raise ConfigError([ConfigIssue(str(out), i.line, i.column, i.field, i.message) for i in ws.issues])
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out, suite, notes
