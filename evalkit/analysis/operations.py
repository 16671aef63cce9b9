"""Operational evidence per vendor: latency, errors, retries, tokens and cost."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..config.vendor import Vendor


def _ms(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 3)


def _numbers(column: pd.Series) -> pd.Series:
    """A numeric column as floats: a column with no value at all (no answer arrived) has dtype
    object, on which quantiles fail."""
    return pd.to_numeric(column, errors="coerce").astype(float)


def _quantile(column: pd.Series, q: float) -> float | None:
    values = _numbers(column).dropna()
    return _ms(float(values.quantile(q))) if len(values) else None


def _percentiles(name: str, column: pd.Series) -> dict[str, float | None]:
    """{name}_p50_ms, _p95_ms and _p99_ms of a column of milliseconds (None where it has no value)."""
    return {f"{name}_p{q}_ms": _quantile(column, q / 100) for q in (50, 95, 99)}


def vendor_operations(vdf: pd.DataFrame, vendor: Vendor) -> dict[str, Any]:
    """Latency over answered requests; errors by kind; tokens from ``usage``; cost when priced."""
    answered = vdf[vdf.status.isin(["ok", "not_scored"])]
    errors = vdf[vdf.status == "error"]
    prompt = int(_numbers(answered.prompt_tokens).fillna(0).sum())
    completion = int(_numbers(answered.completion_tokens).fillna(0).sum())
    thought = answered.reasoning.fillna("").astype(str).str.len() > 0
    cost = None
    if vendor.pricing is not None:
        cost = round(prompt / 1000 * vendor.pricing.input_per_1k + completion / 1000 * vendor.pricing.output_per_1k, 4)
    finished = len(answered) + len(errors)
    return {
        "n_requests": int(len(vdf)),
        "n_answered": int(len(answered)),
        "n_errors": int(len(errors)),
        "error_rate": round(len(errors) / finished, 6) if finished else None,
        "errors_by_kind": {str(k): int(n) for k, n in errors.error_kind.fillna("unknown").value_counts().items()},
        "retries": int((_numbers(vdf.attempts).fillna(0).clip(lower=1) - 1)[vdf.status != "pending"].sum())
        if len(vdf)
        else 0,
        **_percentiles("latency", answered.latency_ms),
        # streamed answers (vendor ``stream: true``): None for a vendor that was not streamed
        "n_streamed": int(_numbers(answered.ttft_ms).notna().sum()),
        **_percentiles("ttft", answered.ttft_ms),
        **_percentiles("itl", answered.itl_ms),
        "tokens_per_s_p50": _quantile(answered.tokens_per_s, 0.5),
        "tokens_per_s_p5": _quantile(answered.tokens_per_s, 0.05),
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        # reasoning models: answers that came with reasoning, and the tokens it took (when the server
        # reports them, as usage.completion_tokens_details.reasoning_tokens; part of completion_tokens)
        "n_with_reasoning": int(thought.sum()),
        "reasoning_tokens": int(_numbers(answered.reasoning_tokens).fillna(0).sum()),
        "cost": cost,
        "currency": vendor.pricing.currency if vendor.pricing else None,
        "models_seen": sorted({str(m) for m in answered.model.dropna().unique()}),
        "fingerprints": sorted({str(f) for f in answered.system_fingerprint.dropna().unique()}),
    }
