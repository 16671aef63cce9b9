"""Schema of ``suites/criteria.yaml``: the tender as a tree of weighted nodes with gates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..i18n import tr
from .scoring_sheet import ScoringSheet, sheet_node_errors

ID_PATTERN = r"^[a-z0-9][a-z0-9_.\-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Gate(Strict):
    """A must-pass condition: failing it makes a vendor 不適合 whatever its total."""

    description: str = Field(description="What the gate means, in Japanese (shown in the report).")
    min_score: float | None = Field(default=None, ge=0, le=1, description="Minimum score of this node (0–1).")
    max_critical_failures: int | None = Field(
        default=None,
        ge=0,
        description="Maximum number of failed items marked critical under this node.",
    )
    min_consistency: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Minimum consistency (0–1) over the variant groups of the suites under this node: the share of "
        "groups (an item and its variants) answered alike (suites' variants; evalkit/analysis/consistency.py).",
    )

    @model_validator(mode="after")
    def _has_condition(self) -> Gate:
        if self.min_score is None and self.max_critical_failures is None and self.min_consistency is None:
            raise ValueError(
                tr(
                    "gate には min_score、max_critical_failures 又は min_consistency が必要です",
                    "a gate needs min_score, max_critical_failures or min_consistency",
                )
            )
        return self


LoadMetric = Literal[
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "ttft_p50_ms",
    "ttft_p95_ms",
    "ttft_p99_ms",
    "error_rate",
]


class LoadGate(Strict):
    """A condition on a load test (`evalkit load`): at ``users`` concurrent users, ``metric`` ≤ ``max``
    (「同時 16 ユーザーで p95 TTFT ≤ 2 秒」). Judged on the load test's page and exit code."""

    description: str = Field(description="What the gate means, in Japanese, e.g. 同時 16 ユーザーで p95 TTFT ≤ 2 秒.")
    users: int = Field(ge=1, le=4096, description="The step (concurrent users) the condition applies to.")
    metric: LoadMetric = Field(description="What is measured at that step (milliseconds, or a share for error_rate).")
    max: float = Field(ge=0, allow_inf_nan=False, description="The largest value that passes.")


class CriterionNode(Strict):
    id: str = Field(pattern=ID_PATTERN, description="Stable id, e.g. security.confidential_info.")
    title: str = Field(description="Japanese title shown in the report.")
    clause: str = Field(description="The part of the December 2025 call this node encodes.")
    weight: float = Field(default=1.0, ge=0, description="Weight relative to its siblings.")
    description: str | None = None
    gate: Gate | None = None
    load_gates: list[LoadGate] = Field(
        default_factory=list,
        description="Conditions on a load test of the vendor's service (evalkit load), judged there.",
    )
    min_items: int | None = Field(
        default=None,
        ge=0,
        description="Minimum number of items the suites under this node must provide (checked by "
        "`evalkit list`; day-of-test suites, ids starting with day_of_test., and suites reading "
        "external data through source: are not counted).",
    )
    weighting: Literal["items", "suites"] = Field(
        default="items",
        description="How a leaf weighs its suites: items (default) — each suite by its weight times its number "
        "of items, so every item of the leaf counts the same; suites — each suite by its weight "
        "alone, whatever its size.",
    )
    children: list[CriterionNode] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _attestation_moved(cls, data: Any) -> Any:
        if isinstance(data, dict) and "attestation" in data:
            raise ValueError(
                tr(
                    "申告の確認項目は criteria.yaml には書けなくなりました。suites/attestation/ の質問票に移し、"
                    "その 'criterion' にこの末端の評価項目を書いてください（`evalkit schema attestation` を参照）",
                    "attestation checks are no longer part of criteria.yaml: put them in a questionnaire "
                    "under suites/attestation/ whose 'criterion' names this leaf "
                    "(see `evalkit schema attestation`)",
                )
            )
        return data

    def walk(
        self, depth: int = 0, parent: CriterionNode | None = None
    ) -> Iterator[tuple[CriterionNode, int, CriterionNode | None]]:
        yield self, depth, parent
        for child in self.children:
            yield from child.walk(depth + 1, self)

    @property
    def is_leaf(self) -> bool:
        return not self.children


class Area(Strict):
    """A subject the call implies that must have its own floor of items, found by an item tag."""

    tag: str = Field(min_length=1, description="The item tag that marks the area, e.g. 領域:自傷・自殺 or 言語:韓国語.")
    title: str | None = Field(default=None, description="What the area covers, in Japanese.")
    min_items: int = Field(
        ge=1,
        description="Minimum number of items carrying the tag (checked by "
        "`evalkit list --check-min`; day-of-test and external data not counted).",
    )


class Difficulty(Strict):
    """The difficulty tags every item carries and the share of the hardest level required."""

    prefix: str = Field(default="難易度:", description="Tag prefix of the difficulty level.")
    levels: list[str] = Field(
        default_factory=lambda: ["易", "中", "難"], min_length=2, description="Levels from easiest to hardest."
    )
    min_hardest_share: float = Field(
        default=0.0, ge=0, le=1, description="Minimum share of items at the hardest level."
    )
    rule: str | None = Field(default=None, description="The stated rule for tagging (docs/suites.md).")


class NonInferiority(Strict):
    """The pre-registered non-inferiority test of domestic vendors against foreign reference models
    (docs/statistics.md, "Non-inferiority"): D − F > −margin, per top-level criterion and on the total."""

    margin: float = Field(
        gt=0,
        lt=1,
        description="Non-inferiority margin in score units (0–1): a domestic vendor is non-inferior when its score "
        "is shown to be above the foreign model's minus this margin.",
    )
    margins: dict[str, Annotated[float, Field(gt=0, lt=1)]] = Field(
        default_factory=dict,
        description="Per-node margins overriding `margin`, keyed by the id of the root or of a top-level criterion.",
    )
    alpha: float = Field(
        default=0.05,
        gt=0,
        lt=0.5,
        description="Two-sided level: each one-sided test is at alpha/2 (the lower limit of the (1 − alpha) interval).",
    )
    reason: str | None = Field(
        default=None, description="Why this margin, in Japanese (shown in the report): a margin must be justified."
    )


class CriteriaFile(CriterionNode):
    """The whole tree: the file's top level is the root node (the total)."""

    schema_version: int = Field(default=1, description="Format version of this file.")
    areas: list[Area] = Field(
        default_factory=list, description="Subjects with a floor of items of their own, found by item tag."
    )
    difficulty: Difficulty | None = Field(
        default=None,
        description="Difficulty tags: when set, `evalkit list --check-min` requires exactly one "
        "level per item and the share of the hardest level.",
    )

    non_inferiority: NonInferiority | None = Field(
        default=None,
        description="Pre-registered non-inferiority margin of domestic vendors against foreign reference models.",
    )

    @model_validator(mode="after")
    def _margins_name_top_nodes(self) -> CriteriaFile:
        if self.non_inferiority is None:
            return self
        top = {self.id, *(child.id for child in self.children)}
        errors = [
            InitErrorDetails(
                type=PydanticCustomError(
                    "unknown_margin_node",
                    tr(
                        f"非劣性マージンの '{node_id}' はルートか第 1 階層の評価項目の id ではありません"
                        f"（使える id: {', '.join(sorted(top))}）",
                        f"non-inferiority margin '{node_id}' is not the id of the root or of a top-level criterion "
                        f"(expected one of: {', '.join(sorted(top))})",
                    ),
                ),
                loc=("non_inferiority", "margins", node_id),
                input=node_id,
            )
            for node_id in self.non_inferiority.margins
            if node_id not in top
        ]
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    scoring_sheet: ScoringSheet | None = Field(
        default=None,
        description="The committee's scoring sheet (技術点評価表): criteria nodes mapped to points "
        "(`evalkit sheet`, scoring_sheet.csv/.xlsx).",
    )

    @model_validator(mode="after")
    def _sheet_names_nodes(self) -> CriteriaFile:
        errors = sheet_node_errors(self.scoring_sheet, {n.id: n.gate is not None for n, _, _ in self.walk()})
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def nodes(self) -> dict[str, CriterionNode]:
        return {node.id: node for node, _, _ in self.walk()}

    def parents(self) -> dict[str, str | None]:
        return {node.id: (parent.id if parent else None) for node, _, parent in self.walk()}
