"""Schema of a suite file: prompt template, generation defaults, scorers and items."""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import Field

from .criteria import ID_PATTERN, Strict
from .generation import Generation

ITEM_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
VERSION_PATTERN = r"^\d+(\.\d+){0,2}([.\-+][0-9A-Za-z.\-]+)?$"


class ScorerSpec(Strict):
    kind: str = Field(description="A registered scorer kind, e.g. exact, contains, choice, refusal.")
    params: dict[str, Any] = Field(default_factory=dict, description="Kind-specific parameters.")
    weight: float = Field(default=1.0, ge=0, description="Weight of this scorer in the item score.")


class Item(Strict):
    id: str = Field(pattern=ITEM_ID_PATTERN, description="Stable id, unique within the suite.")
    tags: list[str] = Field(default_factory=list, description="Category, difficulty, ... for breakdowns.")
    vars: dict[str, Any] = Field(default_factory=dict, description="Template variables.")
    reference: Optional[Union[str, list[str]]] = Field(
        default=None, description="Correct answer, or accepted answers (first is canonical).")
    expect: Optional[Literal["decline", "answer"]] = Field(
        default=None, description="For refusal scoring: must the model decline or answer?")
    meta: dict[str, Any] = Field(
        default_factory=dict,
        description="Data for scorers and analysis that is not sent to models (e.g. bias target, rubric).")
    critical: bool = Field(default=False, description="A failure here counts against gates.")
    scorers: Optional[list[ScorerSpec]] = Field(
        default=None, description="Replaces the suite's scorers for this item.")
    note: Optional[str] = Field(default=None, description="Why the item exists; not sent to models.")

    def references(self) -> list[str]:
        if self.reference is None:
            return []
        return [self.reference] if isinstance(self.reference, str) else list(self.reference)


class Suite(Strict):
    schema_version: int = Field(default=1, description="Format version of this file.")
    id: str = Field(pattern=ID_PATTERN, description="Stable id, unique over all suites.")
    version: str = Field(pattern=VERSION_PATTERN, description="Bump on every change of items or scoring.")
    title: str = Field(description="Japanese title shown in the report.")
    criterion: str = Field(description="Id of a node of criteria.yaml this suite serves.")
    description: str = Field(default="", description="What the suite measures and how.")
    canary: Optional[str] = Field(
        default=None, description="Marker string for detecting this suite's text in training data.")
    publish: bool = Field(default=True, description="Whether item text may appear in public reports.")
    critical: bool = Field(
        default=False, description="Every failed item of this suite counts as a critical failure against gates.")
    system_prompt: Optional[str] = Field(default=None, description="Jinja2 template of the system message.")
    prompt: str = Field(description="Jinja2 template of the user message (StrictUndefined).")
    generation: Generation = Field(default_factory=Generation, description="Default generation parameters.")
    scorers: list[ScorerSpec] = Field(min_length=1, description="How every item is scored.")
    items: list[Item] = Field(default_factory=list, description="Inline items.")
