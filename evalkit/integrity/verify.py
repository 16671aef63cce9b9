"""``evalkit verify BUNDLE``: hashes, signature, and a re-score from the stored responses."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import tr
from .bundle import (
    MANIFEST,
    MAX_SHOWN,
    STORE,
    Opened,
    SignatureCheck,
    bundle_manifest,
    check_members,
    check_signature,
    unpack,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..runner.store import RunStore


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    signature: SignatureCheck | None = None
    rescored: int = 0
    partial: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


# the columns of a score record after (key, scorer_index), as _scores reads them
SCORE_FIELDS = ("kind", "score", "passed", "weight", "explanation", "detail")
ScoreRecord = tuple[Any, ...]  # one value per SCORE_FIELDS, as sqlite returns them


def _scores(store: RunStore) -> dict[tuple[str, int], ScoreRecord]:
    return {
        (row[0], row[1]): tuple(row[2:])
        for row in store.db.execute(
            "SELECT key, scorer_index, kind, score, passed, weight, explanation, detail FROM scores"
        )
    }


def _who(store: RunStore) -> dict[str, str]:
    return {
        key: tr(f"{suite}/{item} × {vendor}（epoch {epoch}）", f"{suite}/{item} × {vendor} (epoch {epoch})")
        for key, vendor, suite, item, epoch in store.db.execute(
            "SELECT key, vendor_id, suite_id, item_id, epoch FROM requests"
        )
    }


def _fmt(score: Any, passed: Any) -> str:
    if score is None:
        return tr("未採点", "not scored")
    verdict = tr("合格", "pass") if passed else tr("不合格", "fail")
    return tr(f"{score:g}（{verdict}）", f"{score:g} ({verdict})")


def compare_scores(
    before: dict[tuple[str, int], ScoreRecord], after: dict[tuple[str, int], ScoreRecord], who: dict[str, str]
) -> list[str]:
    out: list[str] = []
    for ident in sorted(set(before) | set(after), key=lambda k: (who.get(k[0], k[0]), k[1])):
        old, new = before.get(ident), after.get(ident)
        if old == new:
            continue
        where = who.get(ident[0], tr(f"リクエスト {ident[0][:12]}…", f"request {ident[0][:12]}…"))
        scorer = ident[1]
        if old is None or new is None:  # not both: they differ
            if new is not None:
                got = _fmt(new[1], new[2])
                out.append(
                    tr(
                        f"{where}、採点器 {scorer} の得点: 記録がありませんが、再採点では {got}です",
                        f"score of {where} scorer {scorer}: not recorded, re-scoring gives {got}",
                    )
                )
            elif old is not None:
                kind, recorded = old[0], _fmt(old[1], old[2])
                out.append(
                    tr(
                        f"{where}、採点器 {scorer}（{kind}）の得点: 記録は {recorded}ですが、再採点では得点が"
                        "出ません（保存された回答がありません）",
                        f"score of {where} scorer {scorer} ({kind}): recorded {recorded}, but re-scoring "
                        "gives none (no stored response)",
                    )
                )
        elif (old[1], old[2]) != (new[1], new[2]):
            kind, recorded, got = old[0], _fmt(old[1], old[2]), _fmt(new[1], new[2])
            out.append(
                tr(
                    f"得点が異なります: {where}、採点器 {scorer}（{kind}）: 記録 {recorded}、再採点 {got}",
                    f"score changed: {where} scorer {scorer} ({kind}): recorded {recorded}, re-scored {got}",
                )
            )
        else:
            kind = old[0]
            what = ", ".join(name for name, a, b in zip(SCORE_FIELDS, old, new, strict=True) if a != b)
            out.append(
                tr(
                    f"得点の記録が異なります: {where}、採点器 {scorer}（{kind}）: {what} が再採点の結果と異なります",
                    f"score record changed: {where} scorer {scorer} ({kind}): {what} differ from re-scoring",
                )
            )
    return out


def _json_diff(a: Any, b: Any, path: str = "", out: list[str] | None = None) -> list[str]:
    out = [] if out is None else out
    if len(out) >= MAX_SHOWN:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                key = f"{path}.{k}".lstrip(".")
                out.append(
                    tr(f"{key}: 書き出しにのみあります", f"{key}: only in the export")
                    if k in a
                    else tr(f"{key}: 再計算した結果にのみあります", f"{key}: only when recomputed")
                )
            else:
                _json_diff(a[k], b[k], f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            where = path.lstrip(".")
            out.append(
                tr(
                    f"{where}: 書き出しは {len(a)} 件、再計算した結果は {len(b)} 件",
                    f"{where}: {len(a)} entries exported, {len(b)} recomputed",
                )
            )
        for i, (x, y) in enumerate(zip(a, b, strict=False)):  # a length difference is reported above
            _json_diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        where = path.lstrip(".")
        exported, recomputed = json.dumps(a, ensure_ascii=False)[:80], json.dumps(b, ensure_ascii=False)[:80]
        out.append(
            tr(
                f"{where}: 書き出しは {exported}、再計算した結果は {recomputed}",
                f"{where}: exported {exported}, recomputed {recomputed}",
            )
        )
    return out


def check_plan(store: RunStore) -> list[str]:
    """Every planned request (suite items × vendors × epochs) is in the store, and nothing else.
    Pairs that are not applicable are not sent (``runner/applicable.py``: sealed suites and the reference
    models that repeat the item, suites with tools and vendors without); a run made before such a rule
    holds those requests, which are accepted."""
    from ..runner.applicable import not_applicable

    manifest = store.get_meta("manifest", {}) or {}
    epochs = int(manifest.get("epochs") or 1)
    settings = store.get_meta("vendors", []) or []
    vendors = [v["id"] for v in settings]
    suites = store.get_meta("suites", []) or []
    skipped = set(not_applicable(suites, settings, store.get_meta("sealed") or {}))
    planned = {
        (s["id"], it["id"], v, e)
        for s in suites
        for it in [*s.get("items", []), *s.get("variant_items", [])]  # (variant_items: a suite's variants)
        for v in vendors
        for e in range(epochs)
        if (s["id"], v) not in skipped
    }
    stored = {
        row
        for row in store.db.execute("SELECT suite_id, item_id, vendor_id, epoch FROM requests")
        if (row[0], row[2]) not in skipped
    }
    out = []
    for suite, item, vendor, epoch in sorted(planned - stored)[:MAX_SHOWN]:
        out.append(
            tr(
                f"ストアにリクエストがありません: {suite}/{item} × {vendor}（epoch {epoch}）は計画されていました",
                f"request missing from the store: {suite}/{item} × {vendor} (epoch {epoch}) was planned",
            )
        )
    for suite, item, vendor, epoch in sorted(stored - planned)[:MAX_SHOWN]:
        out.append(
            tr(
                f"ストアに予定外のリクエストがあります: {suite}/{item} × {vendor}（epoch {epoch}）は記録された"
                "構成にありません",
                f"unexpected request in the store: {suite}/{item} × {vendor} (epoch {epoch}) is not in the "
                "recorded configuration",
            )
        )
    total = store.db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    planned_n = manifest.get("planned_requests")
    if planned_n is not None and planned_n != total:
        out.append(
            tr(
                f"マニフェストには計画されたリクエストが {planned_n} 件と記録されていますが、"
                f"ストアには {total} 件あります",
                f"the manifest records {planned_n} planned requests, the store holds {total}",
            )
        )
    return out


def check_prereg(store: RunStore) -> list[str]:
    from .manifest import first_response_at
    from .prereg import digest_of

    block = store.get_meta("preregistration")
    if block is None:
        return []
    out = []
    if digest_of(block) != block.get("digest"):
        out.append(
            tr(
                "事前登録: 記録されたダイジェストが記録されたハッシュと一致しません（改変されています）",
                "pre-registration: the recorded digest does not match the recorded hashes (edited)",
            )
        )
    config = store.get_meta("config", {}) or {}
    for sid, entry in (config.get("suites") or {}).items():
        reg = (block.get("suites") or {}).get(sid)
        if reg is None:
            out.append(
                tr(
                    f"事前登録: スイート '{sid}' は実行されましたが、事前登録されていません",
                    f"pre-registration: suite '{sid}' was run but is not pre-registered",
                )
            )
        elif reg.get("file_sha256") != entry.get("sha256"):
            out.append(
                tr(
                    f"事前登録: スイート '{sid}' が事前登録されたファイルと異なります",
                    f"pre-registration: suite '{sid}' differs from the pre-registered file",
                )
            )
    if config.get("criteria") and (block.get("criteria") or {}).get("file_sha256") != config["criteria"].get("sha256"):
        out.append(
            tr(
                "事前登録: 評価基準が事前登録されたファイルと異なります",
                "pre-registration: the criteria differ from the pre-registered file",
            )
        )
    first = first_response_at(store)
    from ..pipeline import _before

    computed_at = block.get("computed_at")
    if _before(computed_at, first) is False:
        out.append(
            tr(
                f"事前登録: 記録時刻 {computed_at} が最初の応答の時刻（{first}）より後です",
                f"pre-registration: recorded at {computed_at}, after the first response ({first})",
            )
        )
    return out


def check_manifest(opened: Opened, store: RunStore) -> list[str]:
    if MANIFEST not in opened.names:
        return [_missing(MANIFEST)]
    try:
        recorded = json.loads(opened.member(MANIFEST).read_text(encoding="utf-8"))
    except ValueError:
        return [tr(f"メンバー '{MANIFEST}': JSON として読めません", f"member '{MANIFEST}': not valid JSON")]
    fresh = json.loads(json.dumps(bundle_manifest(store, recorded.get("kind", "run")), default=str))
    out = []
    for key in ("run", "preregistration", "config", "vendors", "judges", "endpoint_models", "times", "blind", "sealed"):
        if recorded.get(key) != fresh.get(key):
            out.append(
                tr(
                    f"メンバー '{MANIFEST}': '{key}' がストアと一致しません",
                    f"member '{MANIFEST}': '{key}' does not match the store",
                )
            )
    return out


def _missing(name: str) -> str:
    return tr(f"メンバー '{name}' がありません", f"member '{name}' missing")


def _key_available(store: RunStore, key_env: str | None) -> bool:
    if key_env:
        return bool(os.environ.get(key_env))
    names = {rec.get("key_env") for rec in (store.get_meta("sealed") or {}).values()}
    return all(name and os.environ.get(name) for name in names)


def verify(path: Path, *, pubkey: Path | None = None, key_env: str | None = None) -> Verification:
    from ..analysis.tables import export_csv
    from ..cache import cache_disabled
    from ..config.sealed_files import SealError
    from ..pipeline import compute_results, open_sealed_suites, shown_views, summary_text
    from ..review.audit import check_chain
    from ..runner.store import RunStore
    from ..scorers.apply import score_store

    result = Verification()
    opened = unpack(Path(path))
    try:
        result.problems += opened.problems + check_members(opened)
        result.signature = check_signature(opened, pubkey)
        if result.signature.problem:
            result.problems.append(result.signature.problem)
        if STORE not in opened.names:
            result.problems.append(
                tr(
                    f"メンバー '{STORE}' がありません。再採点できません",
                    f"member '{STORE}' missing: nothing to re-score",
                )
            )
            return result
        work = opened.root / "rescore" / STORE
        work.parent.mkdir()
        shutil.copyfile(opened.member(STORE), work)
        try:
            store = RunStore(work)
            store.get_meta("manifest")
        except Exception as exc:  # sqlite3.DatabaseError and friends: a damaged store
            result.problems.append(
                tr(
                    f"メンバー '{STORE}': 読める実行ストアではありません（{exc}）",
                    f"member '{STORE}': not a readable run store ({exc})",
                )
            )
            return result
        with store:
            result.problems += check_manifest(opened, store)
            result.problems += check_plan(store)
            result.problems += check_prereg(store)
            result.problems += check_chain(store)  # human review's audit log (evalkit/review/audit.py)
            before = _scores(store)
            if store.get_meta("sealed"):
                if _key_available(store, key_env):
                    try:
                        open_sealed_suites(store, key_env=key_env, sealed_paths=(opened.member("sealed"),))
                    except SealError as exc:
                        result.problems.append(tr(f"封印スイート: {exc}", f"sealed suite: {exc}"))
                        result.partial = True
                else:
                    result.partial = True
                    result.notes.append(
                        tr(
                            "封印スイート: 鍵がないため、その得点を再計算せず、summary.json と results.csv も"
                            "導き直していません（完全に確かめるには --key-env NAME を指定してください）",
                            "sealed suites: no key, so their scores were not re-computed and summary.json "
                            "and results.csv were not re-derived (pass --key-env NAME for a full check)",
                        )
                    )
            result.rescored = score_store(store, keep_sealed=result.partial)
            who = _who(store)
            diffs = compare_scores(before, _scores(store), who)
            result.problems += diffs[:MAX_SHOWN]
            if len(diffs) > MAX_SHOWN:
                more = len(diffs) - MAX_SHOWN
                result.problems.append(
                    tr(f"… ほかに得点の差分が {more} 件あります", f"… and {more} more score differences")
                )
            if result.partial:
                return result
            with cache_disabled():  # a verification re-computes everything, the baselines too
                results, df = compute_results(store)
            results, df, _ = shown_views(store, results, df)
            result.problems += _compare_exports(opened, summary_text(results), df, export_csv)
    finally:
        opened.close()
    return result


def _compare_exports(
    opened: Opened, summary: str, df: pd.DataFrame, export_csv: Callable[[pd.DataFrame, Path], object]
) -> list[str]:
    out = []
    name = "exports/summary.json"
    if name not in opened.names:
        out.append(_missing(name))
    else:
        exported = opened.member(name).read_text(encoding="utf-8")
        if exported != summary:
            try:
                diffs = _json_diff(json.loads(exported), json.loads(summary))
            except ValueError:
                diffs = [tr("JSON として読めません", "not valid JSON")]
            out += [
                tr(
                    f"summary.json が再採点の結果と異なります: {d}",
                    f"summary.json differs from the re-scored results: {d}",
                )
                for d in diffs
            ] or [
                tr(
                    "summary.json が再採点の結果と異なります（書式）",
                    "summary.json differs from the re-scored results (formatting)",
                )
            ]
    name = "exports/results.csv"
    if name not in opened.names:
        out.append(_missing(name))
    else:
        fresh = opened.root / "rescore" / "results.csv"
        export_csv(df, fresh)
        if fresh.read_bytes() != opened.member(name).read_bytes():
            out += _csv_diff(opened.member(name), fresh)
    return out


def _csv_diff(exported: Path, fresh: Path) -> list[str]:
    import pandas as pd

    try:
        a = pd.read_csv(exported, dtype=str, keep_default_na=False)
        b = pd.read_csv(fresh, dtype=str, keep_default_na=False)
    except Exception:
        return [
            tr(
                "results.csv が再採点の結果と異なります（書き出しが読めません）",
                "results.csv differs from the re-scored results (unreadable export)",
            )
        ]
    ident = ["vendor_id", "suite_id", "item_id", "epoch"]
    if not set(ident) <= set(a.columns):
        return [
            tr(
                "results.csv が再採点の結果と異なります（列が変わっています）",
                "results.csv differs from the re-scored results (columns changed)",
            )
        ]
    a, b = a.set_index(ident), b.set_index(ident)
    out = []
    for row in sorted(set(a.index) ^ set(b.index))[:MAX_SHOWN]:
        vendor, suite, item, epoch = row
        where = (
            tr("が書き出しにのみあります", "only in the export")
            if row in a.index
            else tr("が書き出しにありません", "missing from the export")
        )
        out.append(
            tr(
                f"results.csv: 行 {suite}/{item} × {vendor}（epoch {epoch}）{where}",
                f"results.csv: row {suite}/{item} × {vendor} (epoch {epoch}) {where}",
            )
        )
    for row in sorted(set(a.index) & set(b.index)):
        if len(out) >= MAX_SHOWN:
            break
        ra, rb = a.loc[[row]].iloc[0], b.loc[[row]].iloc[0]
        cols = ", ".join(c for c in a.columns if c in b.columns and ra[c] != rb[c])
        if cols:
            vendor, suite, item, epoch = row
            out.append(
                tr(
                    f"results.csv: 行 {suite}/{item} × {vendor}（epoch {epoch}）の {cols} が異なります",
                    f"results.csv: row {suite}/{item} × {vendor} (epoch {epoch}) differs in {cols}",
                )
            )
    return out or [tr("results.csv が再採点の結果と異なります", "results.csv differs from the re-scored results")]


def describe(result: Verification) -> str:
    sig = result.signature
    if sig is None or not sig.signed:
        signed = tr("署名はありません", "unsigned")
    elif sig.ok and sig.trusted:
        fp = sig.fingerprint
        signed = tr(
            f"署名は有効です（Ed25519、鍵 {fp}、信頼する --pubkey の鍵）",
            f"signature ok (Ed25519, key {fp}, the trusted --pubkey)",
        )
    elif sig.ok:
        fp = sig.fingerprint
        signed = tr(
            f"署名は有効です（Ed25519、鍵 {fp}。信頼する鍵とは照合していません。--pubkey を指定してください）",
            f"signature ok (Ed25519, key {fp}; not checked against a trusted key: pass --pubkey)",
        )
    else:
        signed = tr("署名が無効です", "signature invalid")
    part = (
        tr("（部分的: 封印スイートは再採点していません）", " (partial: sealed suites not re-scored)")
        if result.partial
        else ""
    )
    n = result.rescored
    return tr(f"{signed}。{n} 件の回答を再採点しました{part}", f"{signed}; {n} responses re-scored{part}")


__all__ = ["Verification", "verify", "describe"]
