"""Tidy tables from the run store: one row per item x vendor x epoch."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..config.suite import Suite
from ..data import suite_items
from ..runner.store import RunStore

Positions = npt.NDArray[np.intp]  # row positions in a table

ITEM_COLUMNS = [
    "vendor_id",
    "suite_id",
    "item_id",
    "epoch",
    "key",
    "status",
    "score",
    "passed",
    "critical",
    "tags",
    "content",
    "explanation",
    "error_kind",
    "http_status",
    "error_message",
    "attempts",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "model",
    "system_fingerprint",
    "reasoning",
    "tool_calls",
    "reasoning_tokens",
    "ttft_ms",
    "itl_ms",
    "tokens_per_s",
]


_NUMERIC_COLUMNS = (
    "epoch",
    "resp_ok",
    "http_status",
    "attempts",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "ttft_ms",
    "itl_ms",
    "tokens_per_s",
    "n_scores",
    "n_unscorable",
    "weighted",
    "weights",
    "plain",
    "all_passed",
    "failed_min",
    "n_failed",
)

# The scores of each request are aggregated in the join itself: a request's scores are read through the
# scores table's primary key (key, scorer_index), in scorer order, as the grouped subquery this replaced
# read them, without materialising that subquery and building a temporary index on it (a fifth of the
# query's time). A request without scores has one NULL-extended row: COUNT(s.key) is 0 there, and the
# columns that counted it are NULL, as the subquery's missing row gave them.
_ITEM_SQL = """
SELECT r.vendor_id, r.suite_id, r.item_id, r.epoch, r.key,
       p.ok AS resp_ok, p.content, p.error_kind, p.http_status, p.error_message, p.attempts, p.latency_ms,
       p.prompt_tokens, p.completion_tokens, p.model, p.system_fingerprint, p.reasoning, p.tool_calls,
       p.reasoning_tokens, p.ttft_ms, p.itl_ms, p.tokens_per_s,
       NULLIF(COUNT(s.key), 0) AS n_scores,
       CASE WHEN COUNT(s.key) THEN SUM(s.score IS NULL) END AS n_unscorable,
       SUM(s.score * s.weight) AS weighted, SUM(s.weight) AS weights, SUM(s.score) AS plain,
       MIN(s.passed) AS all_passed, MIN(CASE WHEN s.passed = 0 THEN s.score END) AS failed_min,
       CASE WHEN COUNT(s.key) THEN SUM(s.score IS NOT NULL AND s.passed = 0) END AS n_failed,
       group_concat(s.kind || ': ' || s.explanation, ' / ') AS explanation
FROM requests r
LEFT JOIN responses p ON p.key = r.key
LEFT JOIN scores s ON s.key = r.key
GROUP BY r.rowid
ORDER BY r.rowid
"""


def item_table(store: RunStore, suites: Iterable[Suite] | None = None) -> pd.DataFrame:
    """One row per request. status is 'ok' (answered and scored), 'not_scored' (answered, no
    scorer result), 'error' (the request failed) or 'pending' (never answered).

    ``critical`` is true when a failure of the row counts against gates: the item is marked
    critical or its suite is. Built column-wise from one SQL query (50,000 rows stay small).
    ``suites``: the run's suites when the caller has them already (else read from the store).
    """
    if suites is None:
        suites = [Suite.model_validate(s) for s in store.get_meta("suites", [])]
    meta = {
        (suite.id, it.id): (list(it.tags), bool(it.critical or suite.critical))
        for suite in suites
        for it in suite_items(suite)
    }
    df = pd.read_sql_query(_ITEM_SQL, store.db)
    # a column with no value at all (no answer arrived, or no request) comes back as dtype object;
    # numbers must stay numbers so quantiles, sums and exports work on an empty or unanswered run
    for col in _NUMERIC_COLUMNS:
        if df[col].dtype == object:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    df["epoch"] = df.epoch.astype("int64")  # never NULL in the store; float above only when empty
    answered = df.resp_ok.notna()
    ok = df.resp_ok == 1
    # an answer is scored only when every one of its scorers could score it (a missing judge
    # leaves it 'not_scored': never passed, never silently judged by the other scorers alone) —
    # unless a scorer that could score it failed it: no judge can make it pass, so it is a failure
    complete = ok & df.n_scores.fillna(0).gt(0) & df.n_unscorable.fillna(0).eq(0)
    decided_fail = ok & ~complete & df.n_failed.fillna(0).gt(0)
    scored = complete | decided_fail
    df["status"] = np.select([~answered, ~ok, scored], ["pending", "error", "ok"], default="not_scored")
    weights = df.weights.where(df.weights > 0)
    mean = (df.weighted / weights).fillna(df.plain / df.n_scores)
    # a failed scorer caps the item: a translation that changed a date (preserve 0.8) scores at most
    # 0.8 however fluent it is, and a leak or a forbidden claim (0) scores 0 (docs/statistics.md)
    df["score"] = np.where(complete, np.fmin(mean, df.failed_min), np.where(decided_fail, df.failed_min, np.nan))
    df["explanation"] = df.explanation.where(ok, "").fillna("")
    df["attempts"] = df.attempts.fillna(0).astype(int)
    keys = list(zip(df.suite_id.tolist(), df.item_id.tolist(), strict=True))  # (not row by row: slow on arrow)
    found = [meta.get(k) for k in keys]
    df["tags"] = pd.Series([f[0] if f is not None else [] for f in found], index=df.index, dtype=object)
    df["critical"] = pd.Series([f is not None and f[1] for f in found], index=df.index, dtype=bool)
    # True / False (numpy's), or None where no scorer decided (not NaN: the exports write it as empty)
    passed = list(np.where(complete, df.all_passed == 1, False))
    for row in np.flatnonzero(~scored.to_numpy()).tolist():
        passed[row] = None
    df["passed"] = pd.Series(passed, index=df.index, dtype=object)
    table: pd.DataFrame = df[ITEM_COLUMNS]
    return table


NO_ROWS: Positions = np.empty(0, dtype=np.intp)  # the positions of no row


def row_groups(frame: pd.DataFrame, *keys: str) -> dict[Any, Positions]:
    """The row positions of each group of ``frame`` by the columns ``keys`` (a tuple for several keys), in row
    order: one grouping of the whole table instead of one filter of it per suite and vendor (each filter
    compares every row's text and copies every column; a run of 58 suites and 3 vendors spent a second on
    them). A group's values taken at its positions are the filtered column's values, in the same order."""
    if frame.empty:
        return {}
    groups = frame.groupby(list(keys) if len(keys) > 1 else keys[0], sort=False).indices
    return {key: np.asarray(rows, dtype=np.intp) for key, rows in groups.items()}


# A spreadsheet reads a cell that starts with one of these as a formula (CSV/formula injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """OWASP's defence for CSV cells: a text cell that a spreadsheet would run as a formula is
    prefixed with a single quote, so it is shown as text. Numbers and other types are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_csv(df: pd.DataFrame, path: Path) -> None:
    """results.csv: the result table for spreadsheets. Model outputs and suite text are hostile
    input: text cells that would start a formula are neutralised (the store and results.parquet keep
    the raw text)."""
    out = df.copy()
    out["tags"] = pd.Series(_tags_json(out["tags"]), index=out.index, dtype=object)
    for col in out.columns:
        dtype = out[col].dtype
        if pd.api.types.is_object_dtype(dtype):  # mixed values (None, booleans, text): mapped one by one, as always
            out[col] = out[col].map(neutralise_formula, na_action="ignore")
        elif pd.api.types.is_string_dtype(dtype) and out[col].str.startswith(FORMULA_START).any():
            # a text column (Arrow strings): searched at once; mapped only when a cell needs it
            out[col] = out[col].map(neutralise_formula, na_action="ignore")
    out.to_csv(path, index=False)


def _tags_json(tags: pd.Series) -> list[str]:
    """Each row's tags as JSON text. An item's tags repeat for every vendor and epoch: a list of
    strings is encoded once per distinct list (anything else every time)."""
    seen: dict[tuple[str, ...], str] = {}
    out = []
    for value in tags.tolist():
        if type(value) is list and all(type(x) is str for x in value):
            key = tuple(value)
            text = seen.get(key)
            if text is None:
                text = seen[key] = json.dumps(value, ensure_ascii=False)
        else:
            text = json.dumps(value, ensure_ascii=False)
        out.append(text)
    return out


def export_parquet(df: pd.DataFrame, path: Path) -> None:
    """The same table as results.csv with types kept (tags stay a list of strings)."""
    out = df.copy()
    out["passed"] = out["passed"].astype("boolean")
    for col in ("http_status", "prompt_tokens", "completion_tokens", "reasoning_tokens"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
    out["tags"] = out["tags"].map(lambda t: [str(x) for x in t])
    out.to_parquet(path, index=False)


ITEM_LEVEL_COLUMNS = [
    "vendor_id",
    "suite_id",
    "item_id",
    "critical",
    "n_epochs",
    "n_ok",
    "n_errors",
    "n_unscored",
    "score",
    "score_sum",
    "n_pass",
    "passed",
    "passed_any",
    "disagree",
]


def item_level(df: pd.DataFrame) -> pd.DataFrame:
    """One row per item x vendor: the unit of sampling for every interval and test.

    score is the mean over the item's scored epochs (NaN when none was scored); passed means
    passed in every scored epoch, passed_any in at least one; disagree means the scored epochs
    do not all give the same pass/fail verdict.
    """
    if df.empty:
        empty: pd.DataFrame = pd.DataFrame(columns=ITEM_LEVEL_COLUMNS)
        return empty
    # one grouping numbers the rows' items (in order of first appearance, as the groups of a groupby come out), then
    # a count per item is a bincount and the score sum is pandas' own (compensated) sum of each group: the seven
    # named aggregations of a groupby this replaced took twice as long (20 ms, whatever the size of the run)
    keys = ["vendor_id", "suite_id", "item_id"]
    group = df.groupby(keys, sort=False).ngroup().fillna(-1).to_numpy(dtype=np.intp)
    rows = np.flatnonzero(group >= 0)  # (a row with a missing key belongs to no item, as groupby drops it)
    group = group[rows]
    n_groups = int(group.max()) + 1 if len(group) else 0
    first = rows[np.unique(group, return_index=True)[1]]  # each item's first row

    def count(flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        counts: npt.NDArray[np.int64] = np.bincount(group[flags[rows]], minlength=n_groups).astype(np.int64)
        return counts

    status = df.status
    ok = (status == "ok").to_numpy(dtype=bool)
    ok_score = np.where(ok, df.score.to_numpy(dtype=float), 0.0)[rows]
    ok_pass = ok & df.passed.astype("boolean").fillna(False).astype(bool).to_numpy(dtype=bool)
    out = df[keys].iloc[first].reset_index(drop=True)
    out["critical"] = count(df.critical.to_numpy(dtype=bool)) > 0
    out["n_epochs"] = count(np.ones(len(df), dtype=bool))
    out["n_ok"] = count(ok)
    out["n_errors"] = count((status == "error").to_numpy(dtype=bool))
    out["n_unscored"] = count(status.isin(["not_scored", "pending"]).to_numpy(dtype=bool))
    out["score_sum"] = pd.Series(ok_score).groupby(group).sum().to_numpy()
    out["n_pass"] = count(ok_pass)
    out["score"] = np.where(out.n_ok > 0, out.score_sum / out.n_ok.where(out.n_ok > 0, 1), np.nan)
    out["passed"] = (out.n_ok > 0) & (out.n_pass == out.n_ok)
    out["passed_any"] = out.n_pass > 0
    out["disagree"] = (out.n_ok >= 2) & (out.n_pass > 0) & (out.n_pass < out.n_ok)
    level: pd.DataFrame = out[ITEM_LEVEL_COLUMNS]
    return level


class ScorerDetail(NamedTuple):
    """One stored result ``detail`` of a scorer, with its request's identity."""

    key: str
    vendor_id: str
    suite_id: str
    item_id: str
    epoch: int
    detail: Any  # the scorer's JSON detail, as stored (or as unsealed): narrowed by each reader


def scorer_details(store: RunStore, kind: str) -> list[ScorerDetail]:
    """The stored ``detail`` of every result of scorer ``kind``, with its request's identity, ordered
    by vendor, suite, item and epoch.

    For sealed suites the store keeps only a keyed digest; the plaintext detail comes from
    ``store.unsealed`` when the suites were opened with their key (rows without it are left out)."""
    overlay = store.unsealed.details if store.unsealed is not None else {}
    rows: list[ScorerDetail] = []
    for key, index, vendor, suite, item, epoch, detail in store.db.execute(
        "SELECT s.key, s.scorer_index, r.vendor_id, r.suite_id, r.item_id, r.epoch, s.detail FROM scores s "
        "JOIN requests r ON r.key = s.key WHERE s.kind = ? ORDER BY r.vendor_id, r.suite_id, r.item_id, r.epoch",
        (kind,),
    ):
        value = overlay.get((key, index))
        if value is None:
            value = json.loads(detail)
            if isinstance(value, dict) and set(value) == {"sealed"}:
                continue  # a sealed suite's detail, not opened
        rows.append(ScorerDetail(str(key), str(vendor), str(suite), str(item), int(epoch), value))
    return rows
