"""The one-way pipeline: load -> plan -> run -> score -> aggregate -> render.

Each stage after ``run`` reads only the run store, so ``score`` and ``report`` can be
repeated on a finished run without any endpoint.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import secrets
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from . import __version__
from .analysis import aggregate
from .analysis.tables import export_csv
from .config.attestation import split_legacy_criteria
from .config.criteria import CriteriaFile
from .config.loader import Loaded, Workspace
from .config.suite import Suite
from .config.vendor import Vendor
from .data import data_fingerprint, provenance
from .errors import UsageError
from .integrity.hashing import sha256_file, sha256_json
from .providers.openai_chat import ChatEndpoint
from .reference import EmbeddedServer, build_answer_book
from .report import render_report
from .runner.execute import ExecutionSummary, execute
from .runner.judging import plan_judging
from .runner.plan import plan
from .runner.store import STORE_NAME, RunStore
from .scorers.apply import score_store


@dataclass
class RunOptions:
    out_dir: Path
    epochs: int = 1
    quiet: bool = False
    retry_errors: bool = False
    deadline: Optional[float] = None


@dataclass
class RunOutcome:
    run_dir: Path
    report: Path
    summary: dict
    execution: ExecutionSummary
    skipped_vendors: list[tuple[str, list[str]]] = field(default_factory=list)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_run_id() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


def vendor_settings(vendor: Vendor) -> dict:
    """What the manifest records of a vendor: settings, the *name* of the key variable, no secret."""
    data = vendor.model_dump(mode="json")
    data["base_url"] = vendor.base_url  # unresolved ${ENV} form
    return data


def config_fingerprint(ws: Workspace, suites: list[Loaded], vendors: list[Loaded]) -> dict:
    return {
        "criteria": {"path": str(ws.criteria.path), "sha256": sha256_file(ws.criteria.path)},
        "suites": {s.model.id: {"path": str(s.path), "version": s.model.version, "sha256": sha256_file(s.path),
                                **data_fingerprint(s.model)} for s in suites},
        "vendors": {v.model.id: {"path": str(v.path), "sha256": sha256_json(vendor_settings(v.model))}
                    for v in vendors},
        "attestation": {q.model.id: {"path": str(q.path), "version": q.model.version, "sha256": sha256_file(q.path)}
                        for q in ws.attestation},
    }


def _check_same_config(store: RunStore, fingerprint: dict) -> None:
    previous = store.get_meta("config")
    if previous is None:
        return
    changed = []
    for kind in ("suites", "vendors"):
        for ident, entry in fingerprint[kind].items():
            old = previous[kind].get(ident)
            if old is not None and (old["sha256"] != entry["sha256"]
                                    or old.get("data_sha256") != entry.get("data_sha256")):  # a source's data
                changed.append(f"{kind[:-1]} '{ident}' ({entry['path']})")
    for ident, entry in fingerprint.get("judges", {}).items():
        old = previous.get("judges", {}).get(ident)
        if old is not None and old["sha256"] != entry["sha256"]:
            changed.append(f"judge '{ident}' ({entry['path']})")
    if previous["criteria"]["sha256"] != fingerprint["criteria"]["sha256"]:
        changed.append(f"criteria ({fingerprint['criteria']['path']})")
    if "attestation" in previous and previous["attestation"] != fingerprint["attestation"]:
        changed.append("attestation questionnaires (" + ", ".join(sorted(
            {*previous["attestation"], *fingerprint["attestation"]})) + ")")
    added = [f"{k[:-1]} '{i}'" for k in ("suites", "vendors") for i in fingerprint[k] if i not in previous[k]]
    if changed or added:
        what = "; ".join(changed + [f"{a} (not in this run)" for a in added])
        raise UsageError(f"{store.path.parent}: configuration differs from the run stored there: {what}. "
                         "Results of different configurations are never mixed: write to a new --out directory.")


async def _run_requests(store: RunStore, requests, vendors: list[Vendor], suites: list[Suite],
                        opts: RunOptions, judges: list[Vendor]) -> ExecutionSummary:
    """Start the embedded endpoint(s) the reference vendors need, send everything unfinished, then
    have the judges judge the answers that need them (same runner, same store)."""
    servers: dict[str, EmbeddedServer] = {}
    endpoints: dict[str, ChatEndpoint] = {}
    everyone = vendors + [j for j in judges if j.id not in {v.id for v in vendors}]
    try:
        book = build_answer_book(suites) if any(v.provider == "reference" for v in everyone) else {}
        for vendor in everyone:
            if vendor.provider == "reference":
                # one server per fault profile, so one vendor's injected faults never touch another's
                profile = vendor.faults.model_dump_json() if vendor.faults else ""
                if profile not in servers:
                    servers[profile] = EmbeddedServer(book, faults=vendor.faults).start()
                base_url, key = servers[profile].base_url, None
            else:
                base_url = vendor.resolved_base_url()
                key = os.environ.get(vendor.api_key_env) if vendor.api_key_env else None
            endpoints[vendor.id] = ChatEndpoint(vendor, base_url, key, pool_size=vendor.concurrency)
        summary = await execute(requests, {v.id: v for v in vendors}, endpoints, store, quiet=opts.quiet,
                                retry_errors=opts.retry_errors, deadline=opts.deadline)
        if judges and not summary.deadline_hit:
            store.add_judge_requests(plan_judging(store, suites, judges))
            judged = await execute(list(store.iter_judge_requests()), {j.id: j for j in judges},
                                   {j.id: endpoints[j.id] for j in judges}, store, quiet=opts.quiet,
                                   retry_errors=opts.retry_errors, deadline=opts.deadline)
            summary.judge_sent, summary.judge_errors = judged.sent, judged.errors
            summary.deadline_hit = judged.deadline_hit
        return summary
    finally:
        for endpoint in endpoints.values():
            await endpoint.aclose()
        for server in servers.values():
            server.stop()


def run(ws: Workspace, suites: list[Loaded], vendors: list[Loaded], opts: RunOptions,
        judges: Optional[list[Loaded]] = None) -> RunOutcome:
    run_dir = opts.out_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    judges = judges or []
    fingerprint = config_fingerprint(ws, suites, vendors)
    fingerprint["judges"] = {j.model.id: {"path": str(j.path), "sha256": sha256_json(vendor_settings(j.model))}
                             for j in judges}
    with RunStore(run_dir / STORE_NAME) as store:
        _check_same_config(store, fingerprint)
        suite_models = [s.model for s in suites]
        vendor_models = [v.model for v in vendors]
        judge_models = [j.model for j in judges]
        requests = plan(suite_models, vendor_models, epochs=opts.epochs)
        manifest = store.get_meta("manifest") or {
            "run_id": run_dir.name, "evalkit_version": __version__,
            "python": platform.python_version(), "platform": platform.platform(),
            "started_at": now_iso(), "epochs": opts.epochs,
        }
        manifest["argv"] = [a for a in sys.argv[1:]]
        manifest["planned_requests"] = len(requests)
        store.set_meta("manifest", manifest)
        store.set_meta("config", fingerprint)
        store.set_meta("criteria", ws.criteria.model.model_dump(mode="json"))
        store.set_meta("attestation", [q.model.model_dump(mode="json") for q in ws.attestation])
        store.set_meta("suites", [s.model_dump(mode="json") for s in suite_models])
        # provenance of the data behind suites with a source (skipped optional ones too in a full run)
        store.set_meta("datasets", [p for p in map(provenance, suite_models) if p]
                       + (list(ws.skipped) if len(suites) == len(ws.suites) else []))
        store.set_meta("vendors", [vendor_settings(v) for v in vendor_models])
        store.set_meta("judges", [vendor_settings(j) for j in judge_models])
        store.set_meta("judges_ids", [j.id for j in judge_models])
        store.add_requests(requests)
        summary = asyncio.run(_run_requests(store, requests, vendor_models, suite_models, opts, judge_models))
        manifest["finished_at"] = now_iso()
        store.set_meta("manifest", manifest)
    report, results = score_and_report(run_dir)
    return RunOutcome(run_dir, report, results, summary)


def load_run(store: RunStore) -> tuple[CriteriaFile, list[Suite], list[Vendor]]:
    criteria = store.get_meta("criteria")
    if criteria is None:
        raise UsageError(f"{store.path}: not an evalkit run store (no configuration recorded)")
    if any("attestation" in node for node in _criteria_nodes(criteria)):
        criteria = split_legacy_criteria(criteria)[0]  # written before the questionnaire left criteria.yaml
    return (CriteriaFile.model_validate(criteria),
            [Suite.model_validate(s) for s in store.get_meta("suites", [])],
            [Vendor.model_validate(v) for v in store.get_meta("vendors", [])])


def _criteria_nodes(data: dict) -> list[dict]:
    return [data, *(n for child in data.get("children") or [] for n in _criteria_nodes(child))]


def open_run(run_dir: Path) -> RunStore:
    path = Path(run_dir) / STORE_NAME
    if not path.is_file():
        raise UsageError(f"{run_dir}: no run store ({STORE_NAME}) in this directory")
    return RunStore(path)


def score_and_report(run_dir: Path, *, rescore: bool = True, vendor: Optional[str] = None,
                     public: bool = False, out: Optional[Path] = None) -> tuple[Path, dict]:
    """Score stored responses, aggregate, write report.html, results.csv, results.parquet,
    summary.json and results.junit.xml.

    With ``vendor`` (a vendor's self-test view) or ``public`` (the publishable view) only that
    variant of the report is written — to ``out`` or ``report-vendor-<id>.html`` /
    ``report-public.html`` in the run directory — and the full-run exports are left alone.
    Nothing here calls an endpoint, and every statistic is seeded: the same store always gives
    the same summary.json.
    """
    from .analysis.tables import export_parquet
    from .report import write_junit

    run_dir = Path(run_dir)
    variant = vendor is not None or public
    with open_run(run_dir) as store:
        if rescore:
            score_store(store)
        criteria, suites, vendors = load_run(store)
        results, df = aggregate(store, criteria, suites, vendors)
        results["manifest"] = store.get_meta("manifest", {})
        results["config"] = store.get_meta("config", {})
        results["datasets"] = store.get_meta("datasets", [])
        results["vendor_settings"] = store.get_meta("vendors", [])
        if not variant:
            export_csv(df, run_dir / "results.csv")
            export_parquet(df, run_dir / "results.parquet")
            (run_dir / "summary.json").write_text(
                json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
            write_junit(results, run_dir / "results.junit.xml")
        default = ("report" + (f"-vendor-{vendor}" if vendor is not None else "") + ("-public" if public else "")
                   + ".html")
        report = render_report(store, results, df, Path(out) if out else run_dir / default,
                               vendor=vendor, public=public)
    return report, results
