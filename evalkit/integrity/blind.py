"""Blinded mode: vendors appear as ベンダーA, ベンダーB, … in the exports and the report.

``evalkit run --blind`` records a seed in the run store (``meta.blind``); the pseudonyms are the
vendors of the run, sorted by id and shuffled with that seed, lettered A, B, … (AA, AB, … past Z).
Every exported view (results.csv/parquet, summary.json, results.junit.xml) and every report of the
run shows pseudonyms; the mapping is written to ``blind-mapping.json`` beside the store, a separate
file to keep apart from the report, and ``evalkit report RUN_DIR --unblind MAPPING`` re-renders with
the real names (to ``report-unblinded.html``).

What blinding removes from those views: vendor ids and names (as whole values and inside free text:
gate reasons, answers, error messages), endpoint URLs, model names, the model ids and fingerprints
endpoints reported, key variable names, vendor file paths and hashes, the command line, and the
free-text attestation answers (cloud service, base model, log access, licence terms, notes). What
stays: categories (domestic / foreign reference / baseline), declared enumerated attestation values,
and every number. The run store itself is not blinded: it is the evaluator's evidence (it must name
the endpoints to be verifiable), and anyone holding it can recompute the mapping from the seed.
"""

from __future__ import annotations

import copy
import json
import random
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..i18n import tr

if TYPE_CHECKING:
    import pandas as pd  # (only blind_table takes a frame: a run imports pandas after sending)

    from ..runner.store import RunStore

MAPPING_NAME = "blind-mapping.json"
MAPPING_FORMAT = "evalkit-blind-mapping/1"
HIDDEN = "（盲検化のため非表示）"
# attestation answers that are free text (may name the vendor or its model)
FREE_TEXT_ATTESTATION = ("cloud_service", "log_access", "base_model", "license_terms", "notes")


def letters(n: int) -> str:
    out = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


def new_seed() -> int:
    return secrets.randbits(48)


@dataclass
class Blinding:
    seed: int
    pseudonyms: dict[str, tuple[str, str]]  # real id -> (pseudonym id, pseudonym name)
    names: dict[str, str]  # real id -> real name

    @property
    def to_real(self) -> dict[str, str]:
        return {pid: real for real, (pid, _) in self.pseudonyms.items()}

    def mapping(self, run_id: str) -> dict[str, Any]:
        return {
            "format": MAPPING_FORMAT,
            "run_id": run_id,
            "seed": self.seed,
            "vendors": [
                {"pseudonym_id": pid, "pseudonym": pname, "id": real, "name": self.names.get(real, real)}
                for real, (pid, pname) in sorted(self.pseudonyms.items(), key=lambda kv: kv[1][0])
            ],
        }


def assign(vendor_ids: list[str], seed: int, names: dict[str, str] | None = None) -> Blinding:
    order = sorted(vendor_ids)
    random.Random(seed).shuffle(order)
    return Blinding(
        seed, {vid: (f"vendor-{letters(i)}", f"ベンダー{letters(i)}") for i, vid in enumerate(order)}, dict(names or {})
    )


def of_store(store: RunStore) -> Blinding | None:
    """The blinding of a run (None when the run is not blinded)."""
    meta = store.get_meta("blind")
    if not meta:
        return None
    vendors = store.get_meta("vendors", []) or []
    return assign([v["id"] for v in vendors], int(meta["seed"]), {v["id"]: v.get("name", v["id"]) for v in vendors})


def write_mapping(blinding: Blinding, run_id: str, path: Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(blinding.mapping(run_id), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def check_mapping(path: Path, blinding: Blinding | None, run_id: str) -> None:
    """The mapping file must be this run's (same run id, same assignment)."""
    path = Path(path)
    if blinding is None:
        raise UsageError(
            tr(f"--unblind {path}: この実行はブラインド化されていません", f"--unblind {path}: this run is not blinded")
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(
            tr(f"--unblind {path}: 読めません: {exc.strerror}", f"--unblind {path}: cannot read: {exc.strerror}")
        ) from None
    except ValueError:
        raise UsageError(
            tr(f"--unblind {path}: JSON の対応表ファイルではありません", f"--unblind {path}: not a JSON mapping file")
        ) from None
    if not isinstance(data, dict) or data.get("format") != MAPPING_FORMAT:
        raise UsageError(
            tr(
                f"--unblind {path}: evalkit のブラインド化の対応表（{MAPPING_FORMAT}）ではありません",
                f"--unblind {path}: not an evalkit blind mapping ({MAPPING_FORMAT})",
            )
        )
    expected = blinding.mapping(run_id)
    got = {(v.get("pseudonym_id"), v.get("id")) for v in data.get("vendors", []) if isinstance(v, dict)}
    want = {(v["pseudonym_id"], v["id"]) for v in expected["vendors"]}
    if data.get("run_id") != run_id or got != want:
        raise UsageError(
            tr(
                f"--unblind {path}: この対応表は実行 '{run_id}' のものではありません",
                f"--unblind {path}: this mapping does not belong to run '{run_id}'",
            )
        )


# ------------------------------------------------------------------------------------ applying
class _Renamer:
    def __init__(self, blinding: Blinding):
        self.ids = {real: pid for real, (pid, _) in blinding.pseudonyms.items()}
        self.names = {blinding.names.get(real, real): pname for real, (_, pname) in blinding.pseudonyms.items()}
        subs = {
            **{k: v for k, v in self.ids.items() if len(k) >= 3},
            **{k: v for k, v in self.names.items() if len(k) >= 2},
        }
        self.subs = subs
        self.pattern = re.compile("|".join(re.escape(k) for k in sorted(subs, key=len, reverse=True))) if subs else None

    def text(self, value: str) -> str:
        if value in self.ids:
            return self.ids[value]
        if value in self.names:
            return self.names[value]
        if self.pattern is None:
            return value
        return self.pattern.sub(lambda m: self.subs[m.group(0)], value)

    def rename_mapping(self, obj: dict[Any, Any]) -> dict[Any, Any]:
        return {(self.ids.get(k, k) if isinstance(k, str) else k): self(v) for k, v in obj.items()}

    def __call__(self, obj: Any) -> Any:
        if isinstance(obj, dict):
            return self.rename_mapping(obj)
        if isinstance(obj, list):
            return [self(v) for v in obj]
        if isinstance(obj, str):
            return self.text(obj)
        return obj


def _hide_attestation(att: Any) -> Any:
    if not isinstance(att, dict):
        return att
    return {k: (HIDDEN if k in FREE_TEXT_ATTESTATION and v not in (None, "") else v) for k, v in att.items()}


def blind_results(results: dict[str, Any], blinding: Blinding) -> dict[str, Any]:
    """A blinded copy of the aggregated results (summary.json and everything the report shows)."""
    out = copy.deepcopy(results)
    real_ids = set(blinding.pseudonyms)
    for v in out.get("vendors", []):
        v["model"] = HIDDEN
        v["models_seen"], v["fingerprints"] = [], []
        v["attestation"] = _hide_attestation(v.get("attestation"))
    for row in out.get("attestation", []):
        if row.get("field") in FREE_TEXT_ATTESTATION:
            for cell in (row.get("vendors") or {}).values():
                if isinstance(cell, dict) and cell.get("declared") not in (None, ""):
                    cell["declared"] = HIDDEN
    out["vendor_settings"] = [
        {
            "id": s.get("id"),
            "name": s.get("name"),
            "category": s.get("category"),
            "provider": s.get("provider"),
            "base_url": HIDDEN,
            "model": HIDDEN,
            "api_key_env": None,
            "concurrency": s.get("concurrency"),
            "timeout": s.get("timeout"),
            "generation": s.get("generation"),
            "publish": s.get("publish"),
        }
        for s in out.get("vendor_settings") or []
        if s.get("id") in real_ids
    ]
    manifest = dict(out.get("manifest") or {})
    manifest.pop("argv", None)
    manifest.pop("attestation_answers", None)
    out["manifest"] = manifest
    config = dict(out.get("config") or {})
    if "vendors" in config:
        config["vendors"] = {vid: {"blinded": True} for vid in config["vendors"]}
    out["config"] = config
    out["blind"] = {"pseudonyms": True, "n_vendors": len(blinding.pseudonyms)}
    return _Renamer(blinding).rename_mapping(out)


def blind_table(df: pd.DataFrame, blinding: Blinding) -> pd.DataFrame:
    """A blinded copy of the item table (results.csv / results.parquet)."""
    rename = _Renamer(blinding)
    out: pd.DataFrame = df.copy()
    out["vendor_id"] = out["vendor_id"].map(lambda v: rename.ids.get(v, v))
    out["model"] = None
    out["system_fingerprint"] = None
    for col in ("content", "explanation", "error_message", "reasoning", "tool_calls"):
        out[col] = out[col].map(lambda t: rename.text(t) if isinstance(t, str) else t)
    return out


def text_renamer(blinding: Blinding) -> Callable[[str], str]:
    """Vendor ids and names in a text replaced by their pseudonyms (a conversation's replies in the report)."""
    return _Renamer(blinding).text
