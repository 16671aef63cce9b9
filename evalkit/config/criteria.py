"""Schema of ``suites/criteria.yaml``: the tender as a tree of weighted nodes with gates."""

from __future__ import annotations

from typing import Any, Iterator, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

ID_PATTERN = r"^[a-z0-9][a-z0-9_.\-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Gate(Strict):
    """A must-pass condition: failing it makes a vendor 不適合 whatever its total."""

    description: str = Field(description="What the gate means, in Japanese (shown in the report).")
    min_score: Optional[float] = Field(
        default=None, ge=0, le=1, description="Minimum score of this node (0–1)."
    )
    max_critical_failures: Optional[int] = Field(
        default=None, ge=0,
        description="Maximum number of failed items marked critical under this node.",
    )

    @model_validator(mode="after")
    def _has_condition(self) -> "Gate":
        if self.min_score is None and self.max_critical_failures is None:
            raise ValueError("a gate needs min_score or max_critical_failures")
        return self


class AttestationCheck(Strict):
    """A requirement of the call checked against each vendor's declared attestation."""

    field: str = Field(description="Attestation field, e.g. deployment, trains_on_inputs.")
    title: str = Field(description="The requirement in Japanese, as shown in the report.")
    expect: Optional[Union[bool, str, list[str]]] = Field(
        default=None, description="Required value, or list of accepted values.")
    max: Optional[float] = Field(default=None, description="Upper bound for a numeric field.")
    critical: bool = Field(default=True, description="A missing or non-compliant answer counts against gates.")

    @model_validator(mode="after")
    def _known_field(self) -> "AttestationCheck":
        from .vendor import Attestation

        if self.field not in Attestation.model_fields:
            raise ValueError(f"unknown attestation field '{self.field}' (known: {', '.join(Attestation.model_fields)})")
        if self.expect is None and self.max is None:
            raise ValueError("an attestation check needs expect or max")
        return self

    def check(self, declared: Any) -> Optional[bool]:
        """True/False for compliant/non-compliant; None when the vendor did not answer."""
        if declared is None:
            return None
        if self.max is not None and (not isinstance(declared, (int, float)) or declared > self.max):
            return False
        if self.expect is not None:
            accepted = self.expect if isinstance(self.expect, list) else [self.expect]
            return declared in accepted
        return True


class CriterionNode(Strict):
    id: str = Field(pattern=ID_PATTERN, description="Stable id, e.g. security.confidential_info.")
    title: str = Field(description="Japanese title shown in the report.")
    clause: str = Field(description="The part of the December 2025 call this node encodes.")
    weight: float = Field(default=1.0, ge=0, description="Weight relative to its siblings.")
    description: Optional[str] = None
    gate: Optional[Gate] = None
    attestation: list[AttestationCheck] = Field(
        default_factory=list, description="Declarative checks of the vendors' attestations (leaves only).")
    children: list["CriterionNode"] = Field(default_factory=list)

    def walk(self, depth: int = 0, parent: "CriterionNode | None" = None) -> Iterator[tuple["CriterionNode", int, "CriterionNode | None"]]:
        yield self, depth, parent
        for child in self.children:
            yield from child.walk(depth + 1, self)

    @property
    def is_leaf(self) -> bool:
        return not self.children


class CriteriaFile(CriterionNode):
    """The whole tree: the file's top level is the root node (the total)."""

    schema_version: int = Field(default=1, description="Format version of this file.")

    def nodes(self) -> dict[str, CriterionNode]:
        return {node.id: node for node, _, _ in self.walk()}

    def parents(self) -> dict[str, Optional[str]]:
        return {node.id: (parent.id if parent else None) for node, _, parent in self.walk()}
