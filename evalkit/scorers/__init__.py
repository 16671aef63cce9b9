"""Scorer kinds. Importing this package registers every built-in kind."""

from . import (  # noqa: F401  (registration)
    bias,
    choice,
    claims,
    corrections,  # noqa: F401  (registration)
    counterfactual,  # noqa: F401  (registration)
    format,
    judge,
    koyobun,
    leak,
    match,
    numeric,
    overlap,
    preserve,
    refusal,
    tools,
)
from .base import REGISTRY, Scorer, ScoreResult, build

__all__ = ["REGISTRY", "Scorer", "ScoreResult", "build"]
