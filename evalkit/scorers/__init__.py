"""Scorer kinds. Importing this package registers every built-in kind."""

from . import (  # noqa: F401  (registration)
    bias,
    choice,
    claims,
    format,
    judge,
    koyobun,
    leak,
    match,
    numeric,
    overlap,
    preserve,
    refusal,
)
from . import corrections  # noqa: F401  (registration)
from . import counterfactual  # noqa: F401  (registration)
from .base import REGISTRY, Scorer, ScoreResult, build

__all__ = ["REGISTRY", "Scorer", "ScoreResult", "build"]
