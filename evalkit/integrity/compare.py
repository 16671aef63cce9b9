"""``evalkit compare BUNDLE RUN_DIR``: a vendor's submitted self-test against the Agency's own run.

The bundle's integrity (hashes, signature) is checked first. Then, for the bundle's vendor and the
same vendor in the run (``--vendor ID`` when the ids differ), every suite both ran *with the same
file hash* is compared: the suite score (mean item score) on each side and the difference in points,
and the items whose pass/fail differs. Suites run with another version, or by one side only, are
listed and not compared. The endpoint's model ids reported on each side are shown. A suite whose
score differs by more than the tolerance (default 5 points) makes the comparison fail (exit 4):
the endpoint did not behave the same way for the vendor as for the Agency.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..i18n import tr
from .bundle import STORE, check_members, check_signature, unpack

if TYPE_CHECKING:
    import pandas as pd

    from ..runner.store import RunStore


@dataclass
class Comparison:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)


def _side(store: RunStore, vendor_id: str) -> tuple[pd.DataFrame, list[str]]:
    """The vendor's item-level table and the model ids its endpoint reported."""
    from ..analysis.tables import item_level, item_table

    df = item_table(store)
    items = item_level(df[df.vendor_id == vendor_id])
    models = sorted({str(m) for m in df[(df.vendor_id == vendor_id)].model.dropna()})
    return items, models


def _verdict(passed: bool) -> str:
    return tr("合格", "pass") if passed else tr("不合格", "fail")


def compare(
    bundle: Path, run_dir: Path, *, vendor: str | None = None, pubkey: Path | None = None, tolerance: float = 5.0
) -> Comparison:
    from ..pipeline import open_run
    from ..runner.store import RunStore

    out = Comparison()
    opened = unpack(Path(bundle))
    try:
        out.problems += opened.problems + check_members(opened)
        sig = check_signature(opened, pubkey)
        if sig.problem:
            out.problems.append(sig.problem)
        if out.problems or STORE not in opened.names:
            return out
        copy = opened.root / "compare" / STORE
        copy.parent.mkdir()
        shutil.copyfile(opened.member(STORE), copy)
        with RunStore(copy) as theirs, open_run(Path(run_dir)) as ours:
            their_vendors = [v["id"] for v in theirs.get_meta("vendors", [])]
            if len(their_vendors) != 1:
                n, listed = len(their_vendors), ", ".join(their_vendors)
                raise UsageError(
                    tr(
                        f"{bundle}: セルフテストのバンドルに入るベンダーは 1 件ですが、このバンドルには {n} 件"
                        f"あります（{listed}）",
                        f"{bundle}: a self-test bundle holds one vendor; this one holds {n} ({listed})",
                    )
                )
            their_id = their_vendors[0]
            our_id = vendor or their_id
            our_vendors = [v["id"] for v in ours.get_meta("vendors", [])]
            if our_id not in our_vendors:
                listed = ", ".join(our_vendors)
                raise UsageError(
                    tr(
                        f"{run_dir}: ベンダー '{our_id}' はこの実行にありません（{listed}）。--vendor ID で"
                        "指定してください",
                        f"{run_dir}: vendor '{our_id}' is not in this run ({listed}); pass --vendor ID",
                    )
                )
            their_cfg = (theirs.get_meta("config") or {}).get("suites", {})
            our_cfg = (ours.get_meta("config") or {}).get("suites", {})
            their_items, their_models = _side(theirs, their_id)
            our_items, our_models = _side(ours, our_id)
            theirs_seen, ours_seen = ", ".join(their_models) or "—", ", ".join(our_models) or "—"
            out.lines.append(
                tr(
                    f"ベンダー: バンドルの '{their_id}'（エンドポイントが返したモデル id: {theirs_seen}）と"
                    f"実行の '{our_id}'（{ours_seen}）",
                    f"vendor: bundle '{their_id}' (model ids reported: {theirs_seen}) vs run '{our_id}' ({ours_seen})",
                )
            )
            if their_models and our_models and set(their_models) != set(our_models):
                out.lines.append(
                    tr(
                        "注記: エンドポイントがベンダーとデジタル庁に異なるモデル id を返しました",
                        "note: the endpoint reported different model ids to the vendor and to the Agency",
                    )
                )
            titles = {s["id"]: s.get("title", s["id"]) for s in ours.get_meta("suites", [])}
            common = sorted(set(their_cfg) & set(our_cfg))
            for sid in sorted(set(their_cfg) ^ set(our_cfg)):
                side = tr("バンドル", "the bundle") if sid in their_cfg else tr("実行", "the run")
                out.lines.append(
                    tr(f"  比較対象外: {sid}（{side}にのみあります）", f"  not compared: {sid} (only in {side})")
                )
            for sid in common:
                if their_cfg[sid].get("sha256") != our_cfg[sid].get("sha256"):
                    va, vb = their_cfg[sid].get("version"), our_cfg[sid].get("version")
                    out.lines.append(
                        tr(
                            f"  比較対象外: {sid}（スイートファイルが異なります: 版 {va} / {vb}）",
                            f"  not compared: {sid} (different suite files: versions {va} / {vb})",
                        )
                    )
                    continue
                a = their_items[(their_items.suite_id == sid) & (their_items.n_ok > 0)].set_index("item_id")
                b = our_items[(our_items.suite_id == sid) & (our_items.n_ok > 0)].set_index("item_id")
                if a.empty or b.empty:
                    out.lines.append(
                        tr(
                            f"  比較対象外: {sid}（一方に採点済みの問題がありません）",
                            f"  not compared: {sid} (no scored items on one side)",
                        )
                    )
                    continue
                sa, sb = float(a.score.mean()) * 100, float(b.score.mean()) * 100
                shared = a.index.intersection(b.index)
                flips = [i for i in shared if bool(a.loc[i, "passed"]) != bool(b.loc[i, "passed"])]
                diff = sb - sa
                mark = "DIFFERS" if abs(diff) > tolerance else "ok"  # the same word in both languages (scripts)
                n_flips, n_shared, title = len(flips), len(shared), titles.get(sid, "")
                out.lines.append(
                    tr(
                        f"  {mark:<7} {sid:<36} バンドル {sa:5.1f}  実行 {sb:5.1f}  （{diff:+.1f} 点。"
                        f"{n_shared} 問中 {n_flips} 問で合否が異なります） {title}",
                        f"  {mark:<7} {sid:<36} bundle {sa:5.1f}  run {sb:5.1f}  ({diff:+.1f} pts; "
                        f"{n_flips} of {n_shared} items pass/fail differently) {title}",
                    )
                )
                for item in flips[:5]:
                    theirs_v = _verdict(bool(a.loc[item, "passed"]))
                    ours_v = _verdict(bool(b.loc[item, "passed"]))
                    out.lines.append(
                        tr(
                            f"            {sid}/{item}: バンドル {theirs_v}、実行 {ours_v}",
                            f"            {sid}/{item}: bundle {theirs_v}, run {ours_v}",
                        )
                    )
                if abs(diff) > tolerance:
                    out.differing.append(sid)
    finally:
        opened.close()
    return out
