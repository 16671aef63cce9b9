"""Scorer kinds. Importing this package registers every built-in kind."""

from . import bias, choice, format, judge, koyobun, leak, match, numeric, overlap, refusal  # noqa: F401  (registration)
from .base import REGISTRY, Scorer, ScoreResult, build

__all__ = ["REGISTRY", "Scorer", "ScoreResult", "build"]
