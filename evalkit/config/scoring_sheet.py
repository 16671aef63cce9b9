"""Schema of the ``scoring_sheet:`` block of ``criteria.yaml``: the committee's 技術点 sheet.

Each row maps one criteria node to points, by one of three rules:

- ``gate``: ``points`` when the node's gate is 適合, 0 when it is 不適合, left blank (保留) when the
  gate is 判定保留 or not evaluated;
- ``proportional``: ``points`` × the node's score (0–1);
- ``thresholds``: the points of the highest threshold whose ``min_score`` the node's score reaches
  (0 when it reaches none); thresholds are listed from the highest ``min_score`` down.

That a row's node exists (and, for ``gate``, has a gate) is checked against the tree by
:func:`sheet_node_errors`, which ``CriteriaFile`` calls (reported at the row's ``node``); the points
themselves are computed by ``evalkit.analysis.scoring_sheet``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..i18n import tr

ID_PATTERN = r"^[a-z0-9][a-z0-9_.\-]*$"  # a criteria node id (config/criteria.py)

Rule = Literal["gate", "proportional", "thresholds"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Threshold(_Strict):
    min_score: float = Field(ge=0, le=1, allow_inf_nan=False, description="The node score (0–1) to reach.")
    points: float = Field(ge=0, allow_inf_nan=False, description="Points awarded when the score reaches min_score.")


class SheetRow(_Strict):
    """One line of the sheet: a label as the procurement's 技術点 sheet words it, and how its points follow
    from one criteria node."""

    label: str = Field(min_length=1, description="The line's label on the sheet, in Japanese.")
    node: str = Field(pattern=ID_PATTERN, description="The id of a node of this criteria tree.")
    rule: Rule = Field(
        description="gate: points when the node's gate is 適合, 0 when 不適合, blank (保留) when 判定保留; "
        "proportional: points × the node's score; thresholds: the points of the highest threshold reached."
    )
    points: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        description="Full points of the line (gate and proportional; not with thresholds).",
    )
    thresholds: list[Threshold] | None = Field(
        default=None,
        min_length=1,
        description="thresholds only: [{min_score, points}, ...] from the highest min_score down.",
    )
    note: str | None = Field(default=None, description="A remark printed with the line.")

    @field_validator("thresholds")
    @classmethod
    def _descending(cls, value: list[Threshold] | None) -> list[Threshold] | None:
        if value is None:
            return value
        for before, after in zip(value, value[1:], strict=False):
            if after.min_score >= before.min_score:
                raise ValueError(
                    tr(
                        f"thresholds は min_score の高い順に並べてください（{before.min_score:g} の後に "
                        f"{after.min_score:g}）",
                        f"thresholds must be listed by descending min_score ({after.min_score:g} "
                        f"after {before.min_score:g})",
                    )
                )
            if after.points > before.points:
                raise ValueError(
                    tr(
                        f"thresholds の points は min_score が下がるほど増えてはいけません（min_score "
                        f"{after.min_score:g} に {after.points:g} 点、{before.min_score:g} に {before.points:g} 点）",
                        f"thresholds: points may not grow as min_score falls ({after.points:g} points at "
                        f"{after.min_score:g}, {before.points:g} at {before.min_score:g})",
                    )
                )
        return value

    @model_validator(mode="after")
    def _fields_match_rule(self) -> SheetRow:
        if self.rule == "thresholds":
            if self.thresholds is None:
                raise ValueError(
                    tr(
                        "rule: thresholds には thresholds: [{min_score, points}, ...] が必要です",
                        "rule: thresholds needs thresholds: [{min_score, points}, ...]",
                    )
                )
            if self.points is not None:
                raise ValueError(
                    tr(
                        "rule: thresholds の行に points は書けません（配点は thresholds の最高点です）",
                        "a rule: thresholds row takes no points (its full points are the highest threshold's)",
                    )
                )
        else:
            if self.points is None:
                raise ValueError(tr(f"rule: {self.rule} には points が必要です", f"rule: {self.rule} needs points"))
            if self.thresholds is not None:
                raise ValueError(
                    tr(
                        f"thresholds は rule: thresholds の行にだけ書けます（この行は rule: {self.rule}）",
                        f"thresholds belong to rule: thresholds rows only (this row is rule: {self.rule})",
                    )
                )
        return self

    @property
    def max_points(self) -> float:
        if self.thresholds is not None:
            return max(t.points for t in self.thresholds)
        return self.points or 0.0


class ScoringSheet(_Strict):
    """The committee's scoring sheet (技術点評価表): criteria nodes mapped to points."""

    title: str = Field(default="技術点評価表", min_length=1, description="The sheet's title.")
    decimals: int = Field(
        default=1, ge=0, le=6, description="Points are rounded to this many decimals (totals add the rounded points)."
    )
    rows: list[SheetRow] = Field(min_length=1, description="The lines of the sheet, in order.")


def sheet_node_errors(sheet: ScoringSheet | None, gates: Mapping[str, bool]) -> list[InitErrorDetails]:
    """The rows' nodes against the tree (``gates``: node id -> whether it has a gate): a node that does not
    exist, a ``gate`` row on a node without a gate — as errors located at the row's ``node``."""
    if sheet is None:
        return []
    errors: list[InitErrorDetails] = []
    for index, row in enumerate(sheet.rows):
        if row.node not in gates:
            close = difflib.get_close_matches(row.node, list(gates), n=1, cutoff=0.6)
            hint = tr(f"（'{close[0]}' の誤りではありませんか）", f" (did you mean '{close[0]}'?)") if close else ""
            message = tr(
                f"評価項目 '{row.node}' はこの評価基準の木にありません{hint}",
                f"unknown criterion '{row.node}' in this tree{hint}",
            )
        elif row.rule == "gate" and not gates[row.node]:
            message = tr(
                f"rule: gate ですが、評価項目 '{row.node}' には gate がありません",
                f"rule: gate, but criterion '{row.node}' has no gate",
            )
        else:
            continue
        errors.append(
            InitErrorDetails(
                type=PydanticCustomError("scoring_sheet_node", message.replace("{", "{{").replace("}", "}}")),
                loc=("scoring_sheet", "rows", index, "node"),
                input=row.node,
            )
        )
    return errors
