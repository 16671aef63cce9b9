"""Match scorers: exact and contains, over normalised text."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from ..config.suite import Item
from .base import Params, ScoreResult, Scorer, register
from .normalize import Normalization, normalize


class ExactParams(Params):
    normalize: Normalization = Field(default_factory=Normalization)


@register
class Exact(Scorer):
    kind = "exact"
    Params = ExactParams
    description = "The answer equals one of the item's references after normalisation."

    def check_item(self, item: Item) -> Optional[str]:
        return None if item.references() else "needs a reference"

    def score(self, output: str, item: Item) -> ScoreResult:
        got = normalize(output, self.params.normalize)
        for ref in item.references():
            if got == normalize(ref, self.params.normalize):
                return ScoreResult(1.0, True, f"参照解答「{ref}」と一致")
        return ScoreResult(0.0, False, f"参照解答「{item.references()[0]}」と不一致")

    def ideal_answer(self, item: Item) -> Optional[str]:
        refs = item.references()
        return refs[0] if refs else None


class ContainsParams(Params):
    values: Optional[list[str]] = Field(
        default=None, description="Strings to look for; default: the item's references.")
    mode: Literal["any", "all"] = "any"
    negate: bool = Field(default=False, description="Pass when none of the values appear.")
    normalize: Normalization = Field(default_factory=lambda: Normalization(whitespace="remove"))


@register
class Contains(Scorer):
    kind = "contains"
    Params = ContainsParams
    description = "The answer contains any/all of the values (or none, when negated)."

    def _values(self, item: Item) -> list[str]:
        return self.params.values if self.params.values is not None else item.references()

    def check_item(self, item: Item) -> Optional[str]:
        return None if self._values(item) else "needs a reference or params.values"

    def score(self, output: str, item: Item) -> ScoreResult:
        opts = self.params.normalize
        got = normalize(output, opts)
        values = self._values(item)
        found = [v for v in values if normalize(v, opts) in got]
        missing = [v for v in values if v not in found]
        if self.params.negate:
            ok = not found
            why = "禁止語句なし" if ok else f"含んではならない語句を含む: {'、'.join(found)}"
        elif self.params.mode == "all":
            ok = not missing
            why = "必要な語句をすべて含む" if ok else f"不足: {'、'.join(missing)}"
        else:
            ok = bool(found)
            why = f"「{found[0]}」を含む" if ok else f"いずれも含まない: {'、'.join(values)}"
        score = 1.0 if ok else (len(found) / len(values) if self.params.mode == "all" and not self.params.negate else 0.0)
        return ScoreResult(score, ok, why, {"found": found})

    def ideal_answer(self, item: Item) -> Optional[str]:
        if self.params.negate:
            return None
        values = self._values(item)
        if not values:
            return None
        return "、".join(values) if self.params.mode == "all" else values[0]
