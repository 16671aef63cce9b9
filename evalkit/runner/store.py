"""The run store: one SQLite file per run, the single source of truth for later stages.

Requests are written when planned, each response is committed the moment it arrives,
scores are derived data and can be recomputed from stored responses at any time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STORE_NAME = "store.sqlite"
# 2: responses.reasoning, reasoning_tokens and the streaming timings ttft_ms, itl_ms, tokens_per_s (added
# to older stores on open); 3: the turns table of conversation items, responses.tool_calls; 4: the reviews
# table, human review's hash-chained audit log (created empty in an older store on open)
SCHEMA_VERSION = 4

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    key TEXT PRIMARY KEY,
    vendor_id TEXT NOT NULL,
    suite_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    messages TEXT NOT NULL,
    params TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_by_vendor ON requests (vendor_id, suite_id);
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY REFERENCES requests (key),
    ok INTEGER NOT NULL,
    content TEXT,
    finish_reason TEXT,
    model TEXT,
    system_fingerprint TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    latency_ms REAL,
    attempts INTEGER NOT NULL DEFAULT 1,
    error_kind TEXT,
    http_status INTEGER,
    error_message TEXT,
    received_at TEXT NOT NULL,
    reasoning TEXT,           -- a reasoning model's thinking, apart from the answer (providers/reasoning.py)
    reasoning_tokens INTEGER,
    ttft_ms REAL,             -- streamed answers (providers/sse.py): time to first token,
    itl_ms REAL,              -- mean inter-token latency,
    tokens_per_s REAL,        -- output tokens per second after the first
    tool_calls TEXT           -- the answer's tool calls, JSON [{name, arguments}] (providers/tool_calls.py)
);
CREATE TABLE IF NOT EXISTS turns (
    key TEXT NOT NULL REFERENCES requests (key),  -- a conversation item's request (runner/conversation.py)
    turn INTEGER NOT NULL,    -- 1: the model's first reply
    ok INTEGER NOT NULL,
    response TEXT NOT NULL,   -- the turn's Response as JSON (without key)
    PRIMARY KEY (key, turn)
);
CREATE TABLE IF NOT EXISTS judge_requests (
    key TEXT NOT NULL,  -- identical answers get identical judge prompts: judged once, used for each
    target TEXT NOT NULL REFERENCES requests (key),  -- the answer being judged
    judge_id TEXT NOT NULL,
    scorer_index INTEGER NOT NULL,
    suite_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    messages TEXT NOT NULL,
    params TEXT NOT NULL,
    PRIMARY KEY (key, target, scorer_index)
);
CREATE INDEX IF NOT EXISTS judge_by_target ON judge_requests (target);
CREATE TABLE IF NOT EXISTS scores (
    key TEXT NOT NULL REFERENCES requests (key),
    scorer_index INTEGER NOT NULL,
    kind TEXT NOT NULL,
    score REAL,               -- NULL: this scorer could not score the answer (e.g. no judge configured)
    passed INTEGER,
    weight REAL NOT NULL,
    explanation TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (key, scorer_index)
);
CREATE TABLE IF NOT EXISTS reviews (
    seq INTEGER PRIMARY KEY,  -- 1, 2, … in the order appended; append-only (evalkit/review/audit.py)
    reviewer TEXT NOT NULL,
    role TEXT NOT NULL,       -- review | adjudication
    at TEXT NOT NULL,         -- UTC, ISO 8601
    suite_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    vendor_id TEXT NOT NULL,  -- the store's vendor id (never a blinded pseudonym)
    machine_passed INTEGER,   -- the machine verdict the reviewer saw (NULL: not scored)
    machine_score REAL,
    passed INTEGER NOT NULL,  -- the human verdict
    score REAL,               -- optional, 0-1
    reason TEXT NOT NULL,
    prev_hash TEXT NOT NULL,  -- the previous entry's hash (the first: a genesis derived from the run id)
    hash TEXT NOT NULL        -- sha256 of the entry's canonical JSON (every field but this one)
);
"""


@dataclass(frozen=True)
class PlannedRequest:
    key: str
    vendor_id: str
    suite_id: str
    item_id: str
    epoch: int
    messages: list[dict[str, str]]
    params: dict[str, Any]
    # What the store keeps instead of ``messages`` (sealed suites: placeholder and keyed digest);
    # None: the messages themselves. What is sent is always ``messages``.
    stored_messages: list[dict[str, Any]] | None = None
    # A conversation item: the number of model replies; ``messages`` is then its script (a slot where
    # each reply goes) and the runner sends it turn by turn (runner/conversation.py)
    turns: int = 0

    def messages_to_store(self) -> list[dict[str, Any]]:
        return self.messages if self.stored_messages is None else self.stored_messages


@dataclass(frozen=True)
class Response:
    key: str
    ok: bool
    content: str | None = None
    finish_reason: str | None = None
    model: str | None = None
    system_fingerprint: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float | None = None
    attempts: int = 1
    error_kind: str | None = None
    http_status: int | None = None
    error_message: str | None = None
    received_at: str = ""
    reasoning: str | None = None
    reasoning_tokens: int | None = None
    ttft_ms: float | None = None
    itl_ms: float | None = None
    tokens_per_s: float | None = None
    tool_calls: str | None = None  # JSON [{name, arguments}] of the answer's tool calls


_RESPONSE_COLUMNS = (
    "key, ok, content, finish_reason, model, system_fingerprint, prompt_tokens, completion_tokens, latency_ms, "
    "attempts, error_kind, http_status, error_message, received_at, reasoning, reasoning_tokens, "
    "ttft_ms, itl_ms, tokens_per_s, tool_calls"
)
_PUT_RESPONSE = f"INSERT OR REPLACE INTO responses ({_RESPONSE_COLUMNS}) VALUES ({', '.join('?' * 20)})"
_TURN_FIELDS = tuple(f for f in _RESPONSE_COLUMNS.split(", ") if f != "key")
# columns added after schema version 1, with their types: a store written before gets them on open
_ADDED_COLUMNS = {
    "responses": (
        ("reasoning", "TEXT"),
        ("reasoning_tokens", "INTEGER"),
        ("ttft_ms", "REAL"),
        ("itl_ms", "REAL"),
        ("tokens_per_s", "REAL"),
        ("tool_calls", "TEXT"),
    )
}


def _response_row(resp: Response) -> tuple[Any, ...]:
    return (
        resp.key,
        int(resp.ok),
        resp.content,
        resp.finish_reason,
        resp.model,
        resp.system_fingerprint,
        resp.prompt_tokens,
        resp.completion_tokens,
        resp.latency_ms,
        resp.attempts,
        resp.error_kind,
        resp.http_status,
        resp.error_message,
        resp.received_at,
        resp.reasoning,
        resp.reasoning_tokens,
        resp.ttft_ms,
        resp.itl_ms,
        resp.tokens_per_s,
        resp.tool_calls,
    )


def _turn_row(key: str, turn: int, resp: Response) -> tuple[Any, ...]:
    fields = dict(zip(_TURN_FIELDS, _response_row(resp)[1:], strict=True))
    fields["ok"] = bool(fields["ok"])
    return (key, turn, int(resp.ok), json.dumps(fields, ensure_ascii=False))


def _request_row(r: PlannedRequest) -> tuple[Any, ...]:
    return (
        r.key,
        r.vendor_id,
        r.suite_id,
        r.item_id,
        r.epoch,
        json.dumps(r.messages_to_store(), ensure_ascii=False),
        json.dumps(r.params, sort_keys=True),
    )


class RunStore:
    """Thin, explicit access to the store file. Not thread-safe: one owner per process."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self._add_columns()
        # The plaintext of the run's sealed suites, in memory only (evalkit.integrity.sealed.Unsealed),
        # attached by whoever opened them with their key; never written to this file.
        self.unsealed: Any = None
        if self.get_meta("schema_version") is None:
            self.set_meta("schema_version", SCHEMA_VERSION)

    def _add_columns(self) -> None:
        """Bring a store written by an earlier version up to this schema (a resume of an old run):
        the columns added since are added, empty; nothing is rewritten."""
        for table, columns in _ADDED_COLUMNS.items():
            have = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns:
                if name not in have:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
        if (self.get_meta("schema_version") or SCHEMA_VERSION) < SCHEMA_VERSION:
            self.set_meta("schema_version", SCHEMA_VERSION)

    @classmethod
    def reader(cls, path: Path) -> RunStore:
        """The store another process is writing, opened read-only (SQLite's ``mode=ro``; WAL lets it
        read while that process commits): its metadata and queries, never a write, no schema change."""
        store = cls.__new__(cls)
        store.path = Path(path)
        store.db = sqlite3.connect(store.path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)
        store.unsealed = None
        return store

    @classmethod
    def open_dir(cls, run_dir: Path) -> RunStore:
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        return cls(run_dir / STORE_NAME)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # meta -----------------------------------------------------------------
    def set_meta(self, key: str, value: Any) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            (key, json.dumps(value, ensure_ascii=False, sort_keys=True)),
        )

    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    # requests -------------------------------------------------------------
    def add_requests(self, requests: Iterable[PlannedRequest]) -> None:
        rows = [_request_row(r) for r in requests]
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR IGNORE INTO requests VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def finished_keys(self, include_errors: bool = True) -> set[str]:
        sql = "SELECT key FROM responses" + ("" if include_errors else " WHERE ok = 1")
        return {row[0] for row in self.db.execute(sql)}

    # judging --------------------------------------------------------------
    def add_judge_requests(self, rows: Iterable[tuple[PlannedRequest, str, int]]) -> None:
        """(request to the judge, key of the answer it judges, index of the judge scorer)."""
        data = [
            (
                r.key,
                target,
                r.vendor_id,
                index,
                r.suite_id,
                r.item_id,
                r.epoch,
                json.dumps(r.messages_to_store(), ensure_ascii=False),
                json.dumps(r.params, sort_keys=True),
            )
            for r, target, index in rows
        ]
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR IGNORE INTO judge_requests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", data)

    def judge_verdicts(
        self, judges: Iterable[str] | None = None
    ) -> dict[tuple[str, int], list[tuple[str, str | None]]]:
        """(answer key, scorer index) -> [(judge id, the judge's text, or None if its request failed)],
        from the given judges only (default: the judges recorded for this run)."""
        wanted = set(self.get_meta("judges_ids", []) if judges is None else judges)
        out: dict[tuple[str, int], list[tuple[str, str | None]]] = {}
        for target, index, judge, ok, content in self.db.execute(
            "SELECT j.target, j.scorer_index, j.judge_id, p.ok, p.content FROM judge_requests j "
            "JOIN responses p ON p.key = j.key ORDER BY j.target, j.scorer_index, j.judge_id"
        ):
            if judge in wanted:
                out.setdefault((target, index), []).append((judge, content if ok else None))
        return out

    # responses ------------------------------------------------------------
    def put_response(self, resp: Response) -> None:
        """Commit one response now (autocommit): a crash after this loses nothing."""
        self.db.execute(_PUT_RESPONSE, _response_row(resp))

    def put_exchanges(self, exchanges: Sequence[tuple[PlannedRequest, Response]]) -> None:
        """Requests and their outcomes in one commit (a load test plans nothing ahead)."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR IGNORE INTO requests VALUES (?, ?, ?, ?, ?, ?, ?)", [_request_row(r) for r, _ in exchanges]
            )
            self.db.executemany(_PUT_RESPONSE, [_response_row(p) for _, p in exchanges])

    def put_responses(self, responses: Sequence[Response], turns: Sequence[tuple[str, int, Response]] = ()) -> None:
        """Commit several responses, and conversation turns ((conversation key, turn, response)), in one
        transaction (a group commit): all of them, or none."""
        rows = [_response_row(r) for r in responses]
        with self.db:
            self.db.execute("BEGIN")
            if turns:
                self.db.executemany("INSERT OR REPLACE INTO turns VALUES (?, ?, ?, ?)", [_turn_row(*t) for t in turns])
            self.db.executemany(_PUT_RESPONSE, rows)

    def put_turn(self, key: str, turn: int, resp: Response) -> None:
        """Commit one conversation turn now."""
        self.db.execute("INSERT OR REPLACE INTO turns VALUES (?, ?, ?, ?)", _turn_row(key, turn, resp))

    def turn_responses(self, keys: Iterable[str] | None = None) -> dict[str, list[Response]]:
        """Conversation key -> its stored turns (answered or failed), in turn order."""
        out: dict[str, list[Response]] = {}
        wanted = None if keys is None else set(keys)
        for key, turn, response in self.db.execute("SELECT key, turn, response FROM turns ORDER BY key, turn"):
            if wanted is None or key in wanted:
                out.setdefault(key, []).append(Response(key=f"{key}#{turn}", **json.loads(response)))
        return out

    def conversation_replies(self) -> dict[str, tuple[list[str], list[str | None], list[str | None]]]:
        """Conversation key -> (its replies, their reasoning, their tool calls), for the answered turns in
        order (what the score stage reads for a conversation item's turn scorers)."""
        out: dict[str, tuple[list[str], list[str | None], list[str | None]]] = {}
        for key, turns in self.turn_responses().items():
            answered = [t for t in turns if t.ok]
            out[key] = (
                [t.content or "" for t in answered],
                [t.reasoning for t in answered],
                [t.tool_calls for t in answered],
            )
        return out

    def tool_calls(self) -> dict[str, str]:
        """Key -> the tool calls of its answer (stored JSON), for the answers that made any."""
        return dict(self.db.execute("SELECT key, tool_calls FROM responses WHERE ok = 1 AND tool_calls IS NOT NULL"))

    # scores ---------------------------------------------------------------
    def answered(self) -> Iterator[tuple[str, str, str, str, str | None]]:
        """(key, suite_id, item_id, content, reasoning) of every successful response, streamed in plan order."""
        cursor = self.db.execute(
            "SELECT r.key, r.suite_id, r.item_id, p.content, p.reasoning FROM requests r "
            "JOIN responses p ON p.key = r.key "
            "WHERE p.ok = 1 ORDER BY r.rowid"
        )
        while True:
            chunk = cursor.fetchmany(2000)
            if not chunk:
                return
            yield from chunk

    # human review ---------------------------------------------------------
    def review_rows(self) -> list[dict[str, Any]]:
        """The audit log of human review, in seq order, one dict per entry (columns as named)."""
        cursor = self.db.execute("SELECT * FROM reviews ORDER BY seq")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def append_review(self, fields: dict[str, Any], seal: Callable[[dict[str, Any], int, str | None], str]) -> int:
        """Append one entry under a write lock: ``seal(fields, seq, previous hash or None)`` completes
        ``fields`` (seq, prev_hash) and returns its hash. Two reviewers' processes may append at once."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            last = self.db.execute("SELECT seq, hash FROM reviews ORDER BY seq DESC LIMIT 1").fetchone()
            seq = (last[0] if last else 0) + 1
            digest = seal(fields, seq, last[1] if last else None)
            row = {**fields, "hash": digest}
            self.db.execute(
                f"INSERT INTO reviews ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
            )
            self.set_meta("review_head", {"n": seq, "hash": digest})
        return seq

    def replace_scores(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """rows: (key, scorer_index, kind, score, passed, weight, explanation, detail_json); may be a stream."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM scores")
            self.db.executemany("INSERT INTO scores VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
