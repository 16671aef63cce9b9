"""The audit log of human review: append-only, every entry hash-chained to the one before.

An entry records who (reviewer, role ``review`` or ``adjudication``), when (UTC), which answer (suite,
item and the store's real vendor id), the machine verdict the reviewer saw, the human verdict
(pass/fail and optionally a score in [0, 1]) and the reason. Its ``hash`` is the SHA-256 of its
canonical JSON (sorted keys, no whitespace, every field but ``hash``), which includes ``prev_hash``:
the previous entry's hash, or for the first entry a genesis derived from the run id. Editing,
deleting or reordering any entry breaks the chain at that entry; the store's ``meta.review_head``
(count and last hash, also in summary.json) catches a deleted last entry.

``final_verdicts`` is the one rule that turns the log into the human verdict of each (suite, item,
vendor): the latest adjudication if there is one; otherwise the latest rating of each reviewer when
they all agree on pass/fail (one reviewer alone counts); reviewers who disagree without an
adjudication leave the item 未裁定 (``disputed``): the machine verdict stands until it is decided.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..errors import UsageError
from ..i18n import tr
from ..runner.store import RunStore

ROLES = ("review", "adjudication")
GENESIS_PREFIX = "evalkit-review-genesis/1:"
MAX_REASON = 4000
MAX_NAME = 100
Unit = tuple[str, str, str]  # (suite id, item id, store vendor id)


@dataclass(frozen=True)
class Entry:
    seq: int
    reviewer: str
    role: str
    time: str
    suite_id: str
    item_id: str
    vendor_id: str
    machine_passed: bool | None
    machine_score: float | None
    passed: bool
    score: float | None
    reason: str
    prev_hash: str
    hash: str = ""

    @property
    def unit(self) -> Unit:
        return (self.suite_id, self.item_id, self.vendor_id)

    @property
    def value(self) -> float:
        """The human score: the score given, else 1 for pass and 0 for fail."""
        return self.score if self.score is not None else float(self.passed)

    def body(self) -> dict[str, Any]:
        """Every field but the hash, as the canonical JSON hashes it."""
        return {
            "seq": self.seq,
            "reviewer": self.reviewer,
            "role": self.role,
            "time": self.time,
            "suite_id": self.suite_id,
            "item_id": self.item_id,
            "vendor_id": self.vendor_id,
            "machine": {"passed": self.machine_passed, "score": self.machine_score},
            "verdict": {"passed": self.passed, "score": self.score},
            "reason": self.reason,
            "prev_hash": self.prev_hash,
        }


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def entry_hash(entry: Entry) -> str:
    return hashlib.sha256(canonical(entry.body())).hexdigest()


def run_id(store: RunStore) -> str:
    return str((store.get_meta("manifest") or {}).get("run_id") or "")


def genesis(run: str) -> str:
    """The hash the first entry chains to: fixed for the run, so a log moved to another run does not verify."""
    return hashlib.sha256((GENESIS_PREFIX + run).encode("utf-8")).hexdigest()


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _entry(row: dict[str, Any]) -> Entry:
    return Entry(
        seq=int(row["seq"]),
        reviewer=str(row["reviewer"]),
        role=str(row["role"]),
        time=str(row["at"]),
        suite_id=str(row["suite_id"]),
        item_id=str(row["item_id"]),
        vendor_id=str(row["vendor_id"]),
        machine_passed=_bool(row["machine_passed"]),
        machine_score=None if row["machine_score"] is None else float(row["machine_score"]),
        passed=bool(row["passed"]),
        score=None if row["score"] is None else float(row["score"]),
        reason=str(row["reason"]),
        prev_hash=str(row["prev_hash"]),
        hash=str(row["hash"]),
    )


def read_log(store: RunStore) -> list[Entry]:
    """Every entry, in seq order (the chain is not checked here: ``check_chain`` does)."""
    return [_entry(row) for row in store.review_rows()]


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def clean_name(name: str | None, what: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise UsageError(tr(f"{what}: 名前を指定してください", f"{what}: a name is required"))
    if len(text) > MAX_NAME or any(not ch.isprintable() for ch in text):
        raise UsageError(
            tr(
                f"{what}: 名前は {MAX_NAME} 文字以内の表示できる文字にしてください",
                f"{what}: a name of at most {MAX_NAME} printable characters",
            )
        )
    return text


def check_verdict(reason: str | None, score: float | None) -> tuple[str, float | None]:
    """The reason (required, trimmed) and the score (None, or a number in [0, 1]); UsageError else."""
    text = (reason or "").strip()
    if not text:
        raise UsageError(tr("理由を入力してください（理由のない判定は記録しません）", "a reason is required"))
    if len(text) > MAX_REASON:
        raise UsageError(
            tr(f"理由は {MAX_REASON} 文字以内にしてください", f"the reason must be at most {MAX_REASON} characters")
        )
    if score is not None and (not math.isfinite(score) or not 0.0 <= score <= 1.0):
        raise UsageError(tr("得点は 0 以上 1 以下にしてください", "the score must be between 0 and 1"))
    return text, score


def append(
    store: RunStore,
    *,
    reviewer: str,
    role: str,
    unit: Unit,
    machine: tuple[bool | None, float | None],
    passed: bool,
    score: float | None,
    reason: str,
    time: str | None = None,
) -> Entry:
    """Append one decision to the log (validated: a reason, a score in [0, 1], a known role)."""
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}")
    who = clean_name(reviewer, "--reviewer")
    text, score = check_verdict(reason, score)
    m_passed, m_score = machine
    start = genesis(run_id(store))
    fields: dict[str, Any] = {
        "reviewer": who,
        "role": role,
        "at": time or now_utc(),
        "suite_id": unit[0],
        "item_id": unit[1],
        "vendor_id": unit[2],
        "machine_passed": None if m_passed is None else int(m_passed),
        "machine_score": None if m_score is None else round(float(m_score), 6),
        "passed": int(passed),
        "score": None if score is None else round(float(score), 6),
        "reason": text,
    }

    def seal(row: dict[str, Any], seq: int, previous: str | None) -> str:
        row["seq"] = seq
        row["prev_hash"] = previous or start
        return entry_hash(_entry({**row, "hash": ""}))

    seq = store.append_review(fields, seal)
    return next(e for e in read_log(store) if e.seq == seq)


def check_chain(store: RunStore) -> list[str]:
    """Problems of the audit log, naming the first bad entry (an empty list: the chain holds)."""
    rows = store.review_rows()
    head = store.get_meta("review_head")
    previous = genesis(run_id(store))
    for n, row in enumerate(rows, 1):
        try:
            entry: Entry | None = _entry(row)
        except (TypeError, ValueError, KeyError):
            entry = None
        if (
            entry is None
            or entry.seq != n
            or entry.prev_hash != previous
            or entry.role not in ROLES
            or entry_hash(entry) != entry.hash
        ):
            seq = row.get("seq")
            return [
                tr(
                    f"人による審査の監査ログ: エントリ seq {seq} がハッシュの連鎖と一致しません（編集・削除・"
                    "並べ替えのいずれかが行われています）",
                    f"human review audit log: entry seq {seq} breaks the hash chain (an entry was edited, "
                    "deleted or reordered)",
                )
            ]
        previous = entry.hash
    n = len(rows)
    if head is not None and (head.get("n") != n or (n and head.get("hash") != previous)):
        return [
            tr(
                f"人による審査の監査ログ: 記録された末尾（{head.get('n')} 件）とログ（{n} 件）が一致しません"
                f"（seq {n + 1} 以降のエントリが削除されています）",
                f"human review audit log: the recorded head ({head.get('n')} entries) does not match the log "
                f"({n} entries): entries from seq {n + 1} on were deleted",
            )
        ]
    if head is None and n:
        return [
            tr(
                "人による審査の監査ログ: 末尾の記録（meta.review_head）がありません",
                "human review audit log: its recorded head (meta.review_head) is missing",
            )
        ]
    return []


def head_of(store: RunStore) -> dict[str, Any] | None:
    head = store.get_meta("review_head")
    return dict(head) if isinstance(head, dict) else None


# ------------------------------------------------------------------------------------ final verdicts
@dataclass
class Final:
    """The human verdict of one (suite, item, vendor)."""

    unit: Unit
    status: str  # adjudicated | agreed | disputed
    passed: bool | None  # None when disputed (the machine verdict stands)
    score: float | None
    deciders: list[str]  # the adjudicator, or the agreeing reviewers
    reason: str
    time: str
    ratings: list[Entry] = field(default_factory=list)  # each reviewer's latest rating
    adjudication: Entry | None = None
    machine: tuple[bool | None, float | None] = (None, None)

    @property
    def applies(self) -> bool:
        return self.status != "disputed"


def latest_ratings(entries: list[Entry]) -> dict[Unit, dict[str, Entry]]:
    """Per unit, each reviewer's latest ``review`` entry (a later one supersedes an earlier one)."""
    out: dict[Unit, dict[str, Entry]] = {}
    for e in entries:
        if e.role == "review":
            out.setdefault(e.unit, {})[e.reviewer] = e
    return out


def final_verdicts(entries: list[Entry]) -> dict[Unit, Final]:
    """The final human verdict of every unit the log names (see the module's docstring)."""
    ratings = latest_ratings(entries)
    adjudications: dict[Unit, Entry] = {}
    first_seen: dict[Unit, Entry] = {}
    for e in entries:
        first_seen.setdefault(e.unit, e)
        if e.role == "adjudication":
            adjudications[e.unit] = e
    out: dict[Unit, Final] = {}
    for unit, first in first_seen.items():
        latest = sorted(ratings.get(unit, {}).values(), key=lambda e: e.seq)
        machine = (first.machine_passed, first.machine_score)
        adj = adjudications.get(unit)
        if adj is not None:
            out[unit] = Final(
                unit, "adjudicated", adj.passed, adj.value, [adj.reviewer], adj.reason, adj.time, latest, adj, machine
            )
        elif len({e.passed for e in latest}) == 1:
            last = latest[-1]
            out[unit] = Final(
                unit,
                "agreed",
                last.passed,
                round(sum(e.value for e in latest) / len(latest), 6),
                [e.reviewer for e in latest],
                " / ".join(e.reason for e in latest),
                last.time,
                latest,
                None,
                machine,
            )
        else:
            last = latest[-1]
            out[unit] = Final(
                unit, "disputed", None, None, [e.reviewer for e in latest], "", last.time, latest, None, machine
            )
    return out


def disputed_units(entries: list[Entry]) -> list[Unit]:
    """Units whose reviewers' latest ratings disagree (adjudicated or not), in the order first reviewed."""
    return [unit for unit, by in latest_ratings(entries).items() if len({e.passed for e in by.values()}) > 1]
