"""Configuration: schemas for suites, vendors and criteria, and YAML loading with positions."""

from .criteria import CriteriaFile, CriterionNode, Gate
from .generation import Generation
from .issues import ConfigError, ConfigIssue
from .loader import Loaded, Workspace, load_workspace
from .suite import Item, ScorerSpec, Suite
from .vendor import Attestation, Vendor

__all__ = [
    "Attestation",
    "ConfigError",
    "ConfigIssue",
    "CriteriaFile",
    "CriterionNode",
    "Gate",
    "Generation",
    "Item",
    "Loaded",
    "ScorerSpec",
    "Suite",
    "Vendor",
    "Workspace",
    "load_workspace",
]
