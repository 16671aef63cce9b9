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
import shlex
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .collector import frozen, paused
from .config.attestation import split_legacy_criteria
from .config.criteria import CriteriaFile
from .config.loader import Loaded, Workspace
from .config.suite import Suite
from .config.vendor import Vendor, reference_base
from .data import data_fingerprint, provenance
from .errors import UsageError
from .forked import forked
from .i18n import tr
from .integrity.hashing import sha256_file, sha256_json
from .preload import Preload
from .providers.openai_chat import ChatEndpoint
from .runner.execute import ExecutionSummary, execute
from .runner.plan import plan
from .runner.store import STORE_NAME, RunStore
from .timings import phase

if TYPE_CHECKING:
    from .reference import EmbeddedServer
    from .scorers.apply import Prescored

# Scoring, aggregation (pandas), the report (Jinja2) and the reference endpoint are
# imported where they are used: a run's first request does not wait for them (docs/performance.md).


FORK_ROWS = 10_000  # the largest item table whose exports a fork writes beside the report


@dataclass
class RunOptions:
    out_dir: Path
    epochs: int = 1
    quiet: bool = False
    retry_errors: bool = False
    deadline: float | None = None
    blind: bool = False  # vendors as ベンダーA, B, … in exports and reports (evalkit.integrity.blind)
    blind_seed: int | None = None
    announce: Callable[[str], None] | None = None  # where the pre-registration line is printed
    attestation_sources: dict = field(default_factory=dict)  # vendor id -> answers file used
    locations: dict = field(default_factory=dict)  # absolute folders and files the run was made from (resume)
    # called with the run folder and the number of planned requests once the store holds the run's suites:
    # True when a helper process will score and report, and imports and warms the baselines meanwhile
    # (evalkit/finisher.py); otherwise a thread of this process does that during the send (preload.py)
    helper_ready: Callable[[Path, int], bool] | None = None


@dataclass
class RunOutcome:
    run_dir: Path
    report: Path
    summary: dict
    execution: ExecutionSummary


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_run_id() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


def vendor_settings(vendor: Vendor) -> dict:
    """What the manifest records of a vendor: settings, the *name* of the key variable, no secret."""
    data = vendor.model_dump(mode="json")
    data["base_url"] = vendor.base_url  # unresolved ${ENV} form
    return data


def _criteria(ws: Workspace) -> Loaded:
    """The workspace's criteria file: a run needs one (``load_workspace`` reports it missing as an issue)."""
    if ws.criteria is None:
        raise UsageError(
            tr(
                "criteria ファイルがありません。--criteria FILE で指定してください",
                "no criteria file: pass --criteria FILE",
            )
        )
    return ws.criteria


def config_fingerprint(ws: Workspace, suites: list[Loaded], vendors: list[Loaded]) -> dict[str, Any]:
    criteria = _criteria(ws)
    return {
        "criteria": {"path": str(criteria.path), "sha256": sha256_file(criteria.path)},
        "suites": {
            s.model.id: {
                "path": str(s.path),
                "version": s.model.version,
                "sha256": sha256_file(s.path),
                **data_fingerprint(s.model),
            }
            for s in suites
        },
        "vendors": {
            v.model.id: {"path": str(v.path), "sha256": sha256_json(vendor_settings(v.model))} for v in vendors
        },
        "attestation": {
            q.model.id: {"path": str(q.path), "version": q.model.version, "sha256": sha256_file(q.path)}
            for q in ws.attestation
        },
    }


def stored_selection(run_dir: Path) -> dict | None:
    """What the run stored in ``run_dir`` was made of — {suites, vendors, judges, epochs,
    attestation} — or None when there is no run there. ``evalkit run`` fills every part of the
    selection a command leaves unsaid from it, so that resuming needs only the directory."""
    path = Path(run_dir) / STORE_NAME
    if not path.is_file():
        return None
    with RunStore(path) as store:
        config = store.get_meta("config")
        if config is None:
            return None
        manifest = store.get_meta("manifest") or {}
        return {
            "suites": list(config.get("suites", {})),
            "vendors": list(config.get("vendors", {})),
            "judges": list(config.get("judges", {})),
            "epochs": manifest.get("epochs"),
            "attestation": sorted(set((manifest.get("attestation_answers") or {}).values())),
            "blind": bool(store.get_meta("blind")),
            "locations": store.get_meta("locations") or {},
        }


def _check_same_selection(store: RunStore, fingerprint: dict, epochs: int) -> None:
    """A run's selection never changes: every suite, vendor and judge of the stored run and its
    number of epochs must be the command's too (what is stored was planned for exactly those)."""
    previous = store.get_meta("config")
    if previous is None:
        return
    left_out, added = [], []
    for kind in ("suites", "vendors", "judges"):
        before, now = set(previous.get(kind, {})), set(fingerprint.get(kind, {}))
        left_out += [f"{kind[:-1]} '{i}'" for i in sorted(before - now)]
        added += [f"{kind[:-1]} '{i}'" for i in sorted(now - before)]
    stored_epochs = (store.get_meta("manifest") or {}).get("epochs")
    problems = []
    if left_out:
        names = ", ".join(left_out)
        problems.append(
            tr(
                f"保存済みの実行にある {names} がこのコマンドにはありません",
                f"the stored run also has {names}, which this command leaves out",
            )
        )
    if added:
        names = ", ".join(added)
        problems.append(
            tr(
                f"このコマンドが加える {names} は保存済みの実行にありません",
                f"this command adds {names}, which the stored run does not have",
            )
        )
    if stored_epochs is not None and stored_epochs != epochs:
        problems.append(
            tr(
                f"保存済みの実行の繰返し回数は {stored_epochs}、このコマンドは {epochs} を指定しています",
                f"the stored run has {stored_epochs} epoch(s), this command asks for {epochs}",
            )
        )
    if problems:
        joined = tr("。", "; ").join(problems)
        where = shlex.quote(str(store.path.parent.resolve()))
        raise UsageError(
            tr(
                f"{store.path.parent}: 実行の選択は変更できません: {joined}。"
                f"元のまま続けるには: evalkit run --resume {where}（又は新しい --out フォルダに書き出してください）",
                f"{store.path.parent}: a run's selection never changes: {joined}. "
                f"Continue it as it was with: evalkit run --resume {where} (or write to a new --out directory)",
            )
        )


def _check_same_config(store: RunStore, fingerprint: dict) -> None:
    previous = store.get_meta("config")
    if previous is None:
        return
    changed = []
    for kind in ("suites", "vendors"):
        for ident, entry in fingerprint[kind].items():
            old = previous[kind].get(ident)
            if old is not None and (
                old["sha256"] != entry["sha256"] or old.get("data_sha256") != entry.get("data_sha256")
            ):  # a source's data
                changed.append(f"{kind[:-1]} '{ident}' ({entry['path']})")
    for ident, entry in fingerprint.get("judges", {}).items():
        old = previous.get("judges", {}).get(ident)
        if old is not None and old["sha256"] != entry["sha256"]:
            changed.append(f"judge '{ident}' ({entry['path']})")
    if previous["criteria"]["sha256"] != fingerprint["criteria"]["sha256"]:
        changed.append(f"criteria ({fingerprint['criteria']['path']})")
    if "attestation" in previous and previous["attestation"] != fingerprint["attestation"]:
        changed.append(
            "attestation questionnaires ("
            + ", ".join(sorted({*previous["attestation"], *fingerprint["attestation"]}))
            + ")"
        )
    if changed:
        raise UsageError(
            tr(
                f"{store.path.parent}: 保存済みの実行と設定が異なります: {'; '.join(changed)} が変更されています。"
                "設定の異なる結果は混ぜないため、新しい --out フォルダに書き出してください",
                f"{store.path.parent}: configuration differs from the run stored there: "
                f"{'; '.join(changed)} changed since. Results of different configurations are never "
                "mixed: write to a new --out directory.",
            )
        )


def _judge_requests(rows: list, sealed: dict) -> list:
    """The judges' requests to send (in memory: a sealed suite's stored rows hold only placeholders),
    each with what the store keeps of it."""
    from dataclasses import replace

    from .integrity.sealed import sealed_messages

    out = []
    for req, target, index in rows:
        info = sealed.get(req.suite_id)
        out.append((replace(req, stored_messages=sealed_messages(req.messages, info)) if info else req, target, index))
    return out


def _needs_answer_book(
    store: RunStore, requests: list, vendors: list[Vendor], judges: list[Vendor], retry_errors: bool
) -> bool:
    """Whether the embedded endpoint needs the oracle's answer book (an ideal answer worked out for every
    item, seconds on a large tree): an oracle vendor has something left to send, or a reference judge
    may judge (it tells the book's answers apart). A resume with nothing left builds none."""
    if any(j.provider == "reference" for j in judges):
        return True
    oracles = {v.id for v in vendors if v.provider == "reference" and reference_base(v.model) in ("oracle", "judge")}
    if not oracles:
        return False
    done = store.finished_keys(include_errors=not retry_errors)
    return any(r.vendor_id in oracles and r.key not in done for r in requests)


async def _run_requests(
    store: RunStore,
    requests,
    vendors: list[Vendor],
    suites: list[Suite],
    opts: RunOptions,
    judges: list[Vendor],
    sealed: dict | None = None,
    labels: dict[str, str] | None = None,
) -> ExecutionSummary:
    """Start the embedded endpoint(s) the reference vendors need, send everything unfinished, then
    have the judges judge the answers that need them (same runner, same store)."""
    servers: dict[str, EmbeddedServer] = {}
    endpoints: dict[str, ChatEndpoint] = {}
    everyone = vendors + [j for j in judges if j.id not in {v.id for v in vendors}]
    try:
        book: dict[str, str | dict] = {}
        if _needs_answer_book(store, requests, vendors, judges, opts.retry_errors):
            from .reference import build_answer_book

            book = build_answer_book(suites)
        for vendor in everyone:
            if vendor.provider == "reference":
                from .reference import EmbeddedServer

                # one server per fault profile, so one vendor's injected faults never touch another's
                profile = vendor.faults.model_dump_json() if vendor.faults else ""
                if profile not in servers:
                    servers[profile] = EmbeddedServer(book, faults=vendor.faults).start()
                base_url, key = servers[profile].base_url, None
            else:
                url = vendor.resolved_base_url()
                if url is None:  # not reached: the vendor schema requires base_url for provider openai
                    raise UsageError(
                        tr(
                            f"ベンダー '{vendor.id}': provider 'openai' には base_url が必要です",
                            f"vendor '{vendor.id}': provider 'openai' needs base_url",
                        )
                    )
                base_url = url
                key = os.environ.get(vendor.api_key_env) if vendor.api_key_env else None
            endpoints[vendor.id] = ChatEndpoint(vendor, base_url, key, pool_size=vendor.concurrency)
        summary = await execute(
            requests,
            {v.id: v for v in vendors},
            endpoints,
            store,
            quiet=opts.quiet,
            retry_errors=opts.retry_errors,
            deadline=opts.deadline,
            labels=labels,
        )
        if judges and not summary.deadline_hit:
            from .runner.judging import plan_judging

            rows = _judge_requests(plan_judging(store, suites, judges), sealed or {})
            store.add_judge_requests(rows)
            judged = await execute(
                [r for r, _, _ in rows],
                {j.id: j for j in judges},
                {j.id: endpoints[j.id] for j in judges},
                store,
                quiet=opts.quiet,
                retry_errors=opts.retry_errors,
                deadline=opts.deadline,
            )
            summary.judge_sent, summary.judge_errors = judged.sent, judged.errors
            summary.deadline_hit = judged.deadline_hit
        return summary
    finally:
        for endpoint in endpoints.values():
            await endpoint.aclose()
        for server in servers.values():
            server.stop()


def _announce_not_sent(
    announce: Callable[[str], None], suite_ids: list[str], vendors: list[Vendor], sealed: dict, labels: dict[str, str]
) -> None:
    """One line naming the reference vendors that are not sent the sealed suites (pseudonyms when blind)."""
    from .integrity.sealed import not_sent

    pairs = not_sent(suite_ids, vendors, sealed)
    if not pairs:
        return
    names = ", ".join(dict.fromkeys(labels.get(vid, vid) for _, vid in pairs))
    suites = ", ".join(dict.fromkeys(sid for sid, _ in pairs))
    announce(
        tr(
            f"お知らせ: 参照モデル {names} には封印スイート {suites} の設問を送りません（設問文や参照解答を"
            "そのまま返すため、平文がディスクに残ります）。レポートでは「対象外」と表示します",
            f"notice: the reference models {names} are not sent the sealed suites {suites} (they repeat the "
            "question or the reference answer, which would put the plaintext on disk); the report shows 対象外",
        )
    )


@dataclass
class Sent:
    """What ``send`` leaves for ``finish``: the store holds everything else."""

    run_dir: Path
    execution: ExecutionSummary
    sealed: dict  # suite id -> (plaintext Suite, SealedInfo), kept in memory only


def run(
    ws: Workspace, suites: list[Loaded], vendors: list[Loaded], opts: RunOptions, judges: list[Loaded] | None = None
) -> RunOutcome:
    """Send, then score and report."""
    return finish(send(ws, suites, vendors, opts, judges))


def send(
    ws: Workspace, suites: list[Loaded], vendors: list[Loaded], opts: RunOptions, judges: list[Loaded] | None = None
) -> Sent:
    """Plan, pre-register and send every unfinished request into the run store of ``opts.out_dir``.

    Everything later stages need is in the store then; a caller that drops its workspace before
    ``finish`` keeps a run of many items within the memory target (docs/performance.md)."""
    run_dir = opts.out_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    judges = judges or []
    fingerprint = config_fingerprint(ws, suites, vendors)
    fingerprint["judges"] = {
        j.model.id: {"path": str(j.path), "sha256": sha256_json(vendor_settings(j.model))} for j in judges
    }
    from .integrity import blind as blinding
    from .integrity.manifest import package_versions
    from .integrity.prereg import now_ms, one_line, preregistration
    from .integrity.sealed import check_sealed_judges, item_digests, redact_suite

    sealed = {s.model.id: ws.sealed[s.model.id] for s in suites if s.model.id in (ws.sealed or {})}
    check_sealed_judges(sealed, [j.model for j in judges])
    with RunStore(run_dir / STORE_NAME) as store:
        _check_same_selection(store, fingerprint, opts.epochs)
        _check_same_config(store, fingerprint)
        suite_models = [s.model for s in suites]
        vendor_models = [v.model for v in vendors]
        judge_models = [j.model for j in judges]
        with phase("plan"):
            requests = plan(suite_models, vendor_models, epochs=opts.epochs, sealed=sealed)
        manifest = store.get_meta("manifest") or {
            "run_id": run_dir.name,
            "evalkit_version": __version__,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "started_at": now_iso(),
            "epochs": opts.epochs,
        }
        manifest["argv"] = [a for a in sys.argv[1:]]
        manifest["planned_requests"] = len(requests)
        manifest["packages"] = package_versions()
        if opts.attestation_sources:
            manifest["attestation_answers"] = opts.attestation_sources
        # pre-registration: the rules are hashed and stored before the first request is sent
        prereg = preregistration(ws, suites)
        previous = store.get_meta("preregistration")  # a resumed run keeps its first registration
        if previous is None:  # (a changed suite, criteria or questionnaire is refused above)
            prereg["computed_at"] = now_ms()
            store.set_meta("preregistration", prereg)
        else:
            prereg = previous
        if opts.announce:
            recorded = prereg["computed_at"]
            opts.announce(one_line(prereg) + tr(f"（記録 {recorded}）", f" (recorded {recorded})"))
        if opts.blind and not store.get_meta("blind"):
            store.set_meta("blind", {"seed": opts.blind_seed if opts.blind_seed is not None else blinding.new_seed()})
        store.set_meta("manifest", manifest)
        store.set_meta("config", fingerprint)
        store.set_meta("criteria", _criteria(ws).model.model_dump(mode="json"))
        store.set_meta("attestation", [q.model.model_dump(mode="json") for q in ws.attestation])
        # sealed suites: labels only (ids, tags, flags), never their text; the header and hashes apart
        store.set_meta(
            "suites",
            [redact_suite(s, sealed[s.id]) if s.id in sealed else s.model_dump(mode="json") for s in suite_models],
        )
        if sealed or store.get_meta("sealed"):  # (a resumed run may have left its sealed suites out)
            store.set_meta(
                "sealed",
                {
                    sid: {**info.record(), "items": item_digests(next(s for s in suite_models if s.id == sid), info)}
                    for sid, info in sealed.items()
                },
            )
        # provenance of the data behind suites with a source (skipped optional ones too in a full run)
        store.set_meta(
            "datasets",
            [p for p in map(provenance, suite_models) if p]
            + (list(ws.skipped) if len(suites) == len(ws.suites) else []),
        )
        if opts.locations and store.get_meta("locations") is None:  # where to find everything again on resume
            store.set_meta("locations", opts.locations)
        store.set_meta("vendors", [vendor_settings(v) for v in vendor_models])
        store.set_meta("judges", [vendor_settings(j) for j in judge_models])
        store.set_meta("judges_ids", [j.id for j in judge_models])
        store.add_requests(requests)
        labels: dict[str, str] = {}
        blinded = blinding.of_store(store)  # None unless the run is blinded
        if blinded is not None:
            blinding.write_mapping(blinded, manifest["run_id"], run_dir / blinding.MAPPING_NAME)
            labels = {real: pid for real, (pid, _) in blinded.pseudonyms.items()}  # progress lines too
        if sealed and opts.announce and not opts.quiet:
            _announce_not_sent(opts.announce, [s.id for s in suite_models], vendor_models, sealed, labels)
        # the finish stage's imports, and the baselines of a suite tree not seen before, overlap the wait
        # for answers (into the on-disk cache, where compute_results reads them): in the helper process
        # that will finish the run (finisher.py), else in a thread of this one (preload.py)
        if opts.helper_ready is not None and opts.helper_ready(run_dir, len(requests)):
            background: AbstractContextManager = nullcontext()
        else:
            warm = partial(_warm_baselines, _criteria(ws).model, [s for s in suite_models if s.id not in sealed])
            background = Preload(then=[warm])
        with phase("send"), frozen(), background:
            summary = asyncio.run(
                _run_requests(store, requests, vendor_models, suite_models, opts, judge_models, sealed, labels)
            )
        if judge_models and not summary.deadline_hit:  # how far each judge agrees with the probes' labels
            from .calibrate import calibrate

            store.set_meta(
                "judge_calibration",
                calibrate(suite_models, judge_models, run_dir / "calibration", quiet=opts.quiet, sealed=sealed),
            )
        manifest["finished_at"] = now_iso()
        store.set_meta("manifest", manifest)
    provided = {sid: (next(s for s in suite_models if s.id == sid), info) for sid, info in sealed.items()}
    return Sent(run_dir, summary, provided)


def _warm_baselines(criteria: CriteriaFile, suites: list[Suite]) -> None:
    from .reference.baselines import warm_cache

    warm_cache(criteria, suites)


def finish(sent: Sent, stored: tuple | None = None, prescored: Prescored | None = None) -> RunOutcome:
    """Score and report a run ``send`` filled, reading only its store (and sealed suites in memory).
    ``stored``, ``prescored``: read and scored already during the send (see ``score_and_report``)."""
    run_dir, summary = sent.run_dir, sent.execution
    if summary.sent == 0 and summary.judge_sent == 0:
        current = _current_exports(run_dir)
        if current is not None:  # nothing new since the exports were written: reuse them as they are
            return RunOutcome(run_dir, run_dir / "report.html", current, summary)
    with frozen():  # the modules preloaded during the send are not traversed again (collector.py)
        report, results = score_and_report(run_dir, sealed=sent.sealed, stored=stored, prescored=prescored)
    return RunOutcome(run_dir, report, results, summary)


EXPORTS = ("report.html", "summary.json", "results.csv", "results.parquet", "results.junit.xml")


def _exports_state(store: RunStore) -> dict:
    """What the exports were computed from: a resume that adds nothing may reuse them."""
    responses, last = store.db.execute("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM responses").fetchone()
    head = store.get_meta("review_head")  # human review's audit log (evalkit/review/audit.py)
    return {
        "responses": responses,
        "last_response": last,
        "evalkit": __version__,
        "config": sha256_json(store.get_meta("config", {})),
        **({"reviews": head} if head else {}),
    }


def _current_exports(run_dir: Path) -> dict | None:
    """summary.json when every export exists and was written from the store as it is now, else None."""
    if not all((run_dir / name).is_file() for name in EXPORTS):
        return None
    with open_run(run_dir) as store:
        if store.get_meta("exports_state") != _exports_state(store):
            return None
    try:
        return json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_run(store: RunStore) -> tuple[CriteriaFile, list[Suite], list[Vendor]]:
    """The run's criteria, suites and vendors as stored. A sealed suite is its stored labels, or —
    when the store was opened with its key (``store.unsealed``) — its plaintext, with the
    description left out (it is not for the exports)."""
    criteria = store.get_meta("criteria")
    if criteria is None:
        raise UsageError(
            tr(
                f"{store.path}: evalkit の実行ストアではありません（設定が記録されていません）",
                f"{store.path}: not an evalkit run store (no configuration recorded)",
            )
        )
    if any("attestation" in node for node in _criteria_nodes(criteria)):
        criteria = split_legacy_criteria(criteria)[0]  # written before the questionnaire left criteria.yaml
    plain = store.unsealed.suites if store.unsealed is not None else {}
    suites = [
        plain[s["id"]].model_copy(update={"description": ""}) if s["id"] in plain else Suite.model_validate(s)
        for s in store.get_meta("suites", [])
    ]
    return (
        CriteriaFile.model_validate(criteria),
        suites,
        [Vendor.model_validate(v) for v in store.get_meta("vendors", [])],
    )


def _criteria_nodes(data: dict) -> list[dict]:
    return [data, *(n for child in data.get("children") or [] for n in _criteria_nodes(child))]


def open_run(run_dir: Path) -> RunStore:
    path = Path(run_dir) / STORE_NAME
    if not path.is_file():
        raise UsageError(
            tr(
                f"{run_dir}: このフォルダに実行ストア（{STORE_NAME}）がありません",
                f"{run_dir}: no run store ({STORE_NAME}) in this directory",
            )
        )
    return RunStore(path)


def open_sealed_suites(
    store: RunStore,
    *,
    sealed: dict | None = None,
    key_env: str | None = None,
    sealed_paths: tuple = (),
    run_dir: Path | None = None,
) -> None:
    """Attach the plaintext of the run's sealed suites to ``store`` (in memory), or fail with the key
    it needs. ``sealed``: already open suites; files are looked for in ``sealed_paths``, beside the
    run (``RUN_DIR/sealed/``) and where the run found them."""
    from .integrity.sealed import unseal_run

    if not store.get_meta("sealed"):
        return
    search = tuple(sealed_paths) + ((Path(run_dir) / "sealed",) if run_dir else ())
    unseal_run(store, provided=sealed, key_env=key_env, search=search)


def compute_results(store: RunStore, loaded: tuple | None = None) -> tuple[dict, object]:
    """Aggregate a scored store: the results (summary.json) and the item table, real identities.
    ``loaded``: ``load_run(store)`` when the caller has it already."""
    from .integrity.manifest import first_response_at
    from .integrity.prereg import digest_of

    criteria, suites, vendors = loaded or load_run(store)
    from .analysis import aggregate
    from .reference.baselines import baseline_summary

    results, df = aggregate(store, criteria, suites, vendors)
    from .loadtest.attach import apply as judge_load_tests

    judge_load_tests(results, store, criteria)  # load gates on the load tests attached (report --load)
    results["manifest"] = store.get_meta("manifest", {})
    results["config"] = store.get_meta("config", {})
    results["datasets"] = store.get_meta("datasets", [])
    results["judge_calibration"] = store.get_meta("judge_calibration")
    results["baselines"] = baseline_summary(
        criteria, [s for s in suites if s.id not in (store.get_meta("sealed") or {})]
    )
    results["vendor_settings"] = store.get_meta("vendors", [])
    prereg = store.get_meta("preregistration")
    if prereg:
        first = first_response_at(store)
        results["preregistration"] = {
            **prereg,
            "first_response_at": first,
            "digest_ok": digest_of(prereg) == prereg.get("digest"),
            "before_first_response": _before(prereg.get("computed_at"), first),
        }
    sealed = store.get_meta("sealed") or {}
    from .runner.applicable import not_applicable

    rows = {row["id"]: row for row in results["suites"]}
    # (the suites as loaded: their ids and tools are the stored ones, a sealed suite's too; not the stored
    # JSON parsed once more: 0.1 s at 10,000 items)
    shown = [s for s in suites if s.id in rows]
    for (suite_id, vendor_id), why in not_applicable(shown, store.get_meta("vendors", []), sealed).items():
        cell = rows[suite_id]["vendors"].get(vendor_id)
        if cell is not None and not cell["n_requests"]:  # (a run made before the rule has its requests)
            cell["not_applicable"] = why
    if sealed:
        results["sealed"] = {
            sid: {k: rec["header"].get(k) for k in ("title", "version", "items", "criterion")}
            | {
                "ciphertext_sha256": rec.get("ciphertext_sha256"),
                "plaintext_sha256": rec.get("plaintext_sha256"),
                "key_env": rec.get("key_env"),
            }
            for sid, rec in sorted(sealed.items())
        }
    return results, df


def _before(a: str | None, b: str | None) -> bool | None:
    if not a or not b:
        return None
    try:
        return datetime.fromisoformat(a) <= datetime.fromisoformat(b)
    except ValueError:
        return None


def shown_views(store: RunStore, results: dict, df, *, unblind: bool = False):
    """(results, item table, shown id -> store id) as exports and reports show them: pseudonyms
    for a blinded run (unless ``unblind``)."""
    from .integrity import blind

    blinding = blind.of_store(store)
    if blinding is None or unblind:
        return results, df, None
    return blind.blind_results(results, blinding), blind.blind_table(df, blinding), blinding.to_real


def write_exports(results: dict, df, run_dir: Path) -> None:
    from .analysis.tables import export_csv, export_parquet
    from .report import write_junit

    export_csv(df, run_dir / "results.csv")
    export_parquet(df, run_dir / "results.parquet")
    (run_dir / "summary.json").write_text(summary_text(results), encoding="utf-8")
    write_junit(results, run_dir / "results.junit.xml")
    from .report.scoring_sheet import write_scoring_sheet

    write_scoring_sheet(results, run_dir)  # scoring_sheet.csv/.xlsx when the criteria define a sheet


def summary_text(results: dict) -> str:
    from .jsontext import pretty  # json.dumps(results, ensure_ascii=False, indent=2, default=str), faster

    return pretty(results)


def _reveal_data(store: RunStore) -> dict:
    """Sealed text for ``report --reveal``, rebuilt in memory from the opened suites."""
    from .runner.plan import build_messages

    unsealed = store.unsealed
    messages = {(sid, it.id): build_messages(suite, it) for sid, suite in unsealed.suites.items() for it in suite.items}
    kinds = {}
    marks = ",".join("?" * len(unsealed.suites))
    for key, index, kind in store.db.execute(
        f"SELECT s.key, s.scorer_index, s.kind FROM scores s JOIN requests r ON r.key = s.key "
        f"WHERE r.suite_id IN ({marks}) ORDER BY s.key, s.scorer_index",
        sorted(unsealed.suites),
    ):
        kinds[(key, index)] = kind
    explanations: dict[str, list[str]] = {}
    for (key, index), kind in kinds.items():
        text = unsealed.explanations.get((key, index))
        if text is not None:
            explanations.setdefault(key, []).append(f"{kind}: {text}")
    return {
        "messages": messages,
        "explanations": {k: " / ".join(v) for k, v in explanations.items()},
        "descriptions": {sid: suite.description for sid, suite in unsealed.suites.items()},
    }


def score_and_report(
    run_dir: Path,
    *,
    rescore: bool = True,
    vendor: str | None = None,
    public: bool = False,
    out: Path | None = None,
    sealed: dict | None = None,
    key_env: str | None = None,
    sealed_paths: tuple = (),
    reveal: bool = False,
    unblind: Path | None = None,
    stored: tuple | None = None,
    prescored: Prescored | None = None,
) -> tuple[Path, dict]:
    """Score stored responses, aggregate, write report.html, results.csv, results.parquet,
    summary.json and results.junit.xml.

    With ``vendor`` (a vendor's self-test view), ``public`` (the publishable view), ``reveal``
    (sealed item text shown; needs the key) or ``unblind`` (a blinded run with real names; needs
    the mapping file) only that variant of the report is written — to ``out`` or
    ``report[-vendor-<id>][-public][-revealed][-unblinded].html`` in the run directory — and the
    full-run exports are left alone. A run with sealed suites needs their key (``sealed``: already
    open; else ``key_env`` / the variables their headers name). A blinded run's exports and reports
    show pseudonyms. Nothing here calls an endpoint, and every statistic is seeded: the same store
    always gives the same summary.json. ``stored``: ``load_run`` of this store without its sealed suites
    opened, read already (the finish helper reads it while the requests are in flight: evalkit/finisher.py);
    used when the run has no sealed suites (else the store is read again, with their plaintext put in).
    ``prescored``: answers the helper scored meanwhile from those suites (``scorers.apply.prescore``;
    ``score_store`` takes them with those very suites only).
    """
    from .integrity import blind
    from .report import render_report
    from .scorers.apply import score_store

    run_dir = Path(run_dir)
    if reveal and public:
        raise UsageError(
            tr(
                "--reveal と --public は同時に指定できません（公開用レポートには封印された問題文を表示しません）",
                "--reveal and --public exclude each other: a public report never shows sealed item text",
            )
        )
    variant = vendor is not None or public or reveal or unblind is not None
    with open_run(run_dir) as store:
        open_sealed_suites(store, sealed=sealed, key_env=key_env, sealed_paths=sealed_paths, run_dir=run_dir)
        if reveal and store.unsealed is None:
            raise UsageError(
                tr(
                    f"--reveal: 実行 {run_dir} に封印スイートはありません",
                    f"--reveal: run {run_dir} has no sealed suites",
                )
            )
        if unblind is not None:
            blind.check_mapping(
                unblind, blind.of_store(store), (store.get_meta("manifest") or {}).get("run_id", run_dir.name)
            )
        with paused():  # (collector.py: the suites' models and the score rows are all kept or written)
            # read once: scoring and aggregation share it
            loaded = stored if stored is not None and store.unsealed is None else load_run(store)
        with phase("score"), paused():
            if rescore:
                score_store(store, suites=loaded[1], prescored=prescored)
            elif store.unsealed is not None:
                score_store(store, write=False, suites=loaded[1])  # the sealed items' explanations and details
        with phase("aggregate"):
            results, df = compute_results(store, loaded)
        del loaded
        results, df, store_ids = shown_views(store, results, df, unblind=unblind is not None)
        # the exports are written by a forked copy of this process while it renders the report (forked.py),
        # up to FORK_ROWS rows: the copy's own memory (pages the parent shares until either writes them)
        # took a 50,000-item run from 415 to 538 MB
        exports = None
        if not variant:
            with phase("exports"):
                exports = forked(partial(write_exports, results, df, run_dir), fork=len(df) <= FORK_ROWS)
        default = (
            "report"
            + (f"-vendor-{vendor}" if vendor is not None else "")
            + ("-public" if public else "")
            + ("-revealed" if reveal else "")
            + ("-unblinded" if unblind is not None else "")
            + ".html"
        )
        with phase("report"):
            report = render_report(
                store,
                results,
                df,
                Path(out) if out else run_dir / default,
                vendor=vendor,
                public=public,
                reveal=_reveal_data(store) if reveal else None,
                store_ids=store_ids,
            )
        if exports is not None:
            with phase("exports wait"):
                exports()
        if not variant and out is None:
            store.set_meta("exports_state", _exports_state(store))
    return report, results
