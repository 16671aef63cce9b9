"""Scorer kinds. Importing this package registers every built-in kind."""

from . import choice, match, refusal  # noqa: F401  (registration side effect)
from .base import REGISTRY, Scorer, ScoreResult, build

__all__ = ["REGISTRY", "Scorer", "ScoreResult", "build"]
