"""Match scorers: exact, contains, regex and starts_with, over normalised text.

With ``normalize.canon`` (default for contains and starts_with) numbers, dates, times and amounts
are compared in canonical form (canon.py): 「2022年（令和4年）4月1日」 contains 「2022年4月1日」,
「第三十四条」 contains 「第34条」, 「￥12,000」 contains 「12000円」. A value also matches as written
(without the number rewrites), so a word whose numeral reads differently in another context is
still found.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Literal

from pydantic import Field, field_validator

from ..config.suite import Item
from .base import Params, Scorer, ScoreResult, register
from .canon import find_spans
from .normalize import Normalization, NormalizationDefaults, Steps, defaults_first, normalize, normalize_forms, steps
from .patterns import lazy

_EXACT_DEFAULTS: NormalizationDefaults = {}
_CONTAINS_DEFAULTS: NormalizationDefaults = {"whitespace": "remove", "canon": True}
_REGEX_DEFAULTS: NormalizationDefaults = {"casefold": False, "punctuation": False}
_STARTS_DEFAULTS: NormalizationDefaults = {"canon": True}


class _Normalized(Scorer):
    """A scorer with a ``normalize:`` block in its params."""

    params: ExactParams | ContainsParams | RegexParams | StartsWithParams

    @cached_property
    def _key(self) -> Steps:
        """The params' normalisation as the key of the normalisation memo (validated params never change)."""
        return steps(self.params.normalize)


class ExactParams(Params):
    normalize: Annotated[Normalization, defaults_first(**_EXACT_DEFAULTS)] = Field(
        default_factory=lambda: Normalization(**_EXACT_DEFAULTS),
        description="How answer and references are normalised before comparing (canon off by default).",
    )


@register
class Exact(_Normalized):
    kind = "exact"
    Params = ExactParams
    params: ExactParams
    description = "The answer equals one of the item's references after normalisation."

    def check_item(self, item: Item) -> str | None:
        return None if item.references() else "needs a reference"

    def score(self, output: str, item: Item) -> ScoreResult:
        got = normalize_forms(output, self._key)
        for ref in item.references():
            if any(g == r for g, r in zip(got, normalize_forms(ref, self._key), strict=True)):
                return ScoreResult(1.0, True, f"参照解答「{ref}」と一致")
        return ScoreResult(0.0, False, f"参照解答「{item.references()[0]}」と不一致")

    def ideal_answer(self, item: Item) -> str | None:
        refs = item.references()
        return refs[0] if refs else None


_NUMBER_BEFORE = lazy(r"[0-9][、,.]?$")
_NUMBER_AFTER = lazy(r"^[、,.]?[0-9]")


def _occurs(value: str, text: str) -> bool:
    """``value`` in ``text``, but a value that starts or ends with a digit never inside a longer
    number: 「3万円」 is not in 「13万円」, 「200円」 not in 「1,200円」; a value ending in 時/万/億 never where
    the number goes on (「17時」 is not in 「17時30分」); 第 before an article number optional (第34条 = 34条)."""
    return bool(find_spans(value, text, _NUMBER_BEFORE, _NUMBER_AFTER))


class ContainsParams(Params):
    values: list[str] | None = Field(default=None, description="Strings to look for; default: the item's references.")
    mode: Literal["any", "all"] = Field(default="any", description="Pass when any / all of the values appear.")
    negate: bool = Field(default=False, description="Pass when none of the values appear.")
    normalize: Annotated[Normalization, defaults_first(**_CONTAINS_DEFAULTS)] = Field(
        default_factory=lambda: Normalization(**_CONTAINS_DEFAULTS),
        description="Normalisation of answer and values (default: whitespace removed, canonical numbers and dates).",
    )


class _ValuesScorer(_Normalized):
    """A scorer over ``params.values`` (default: the item's references), each non-empty once normalised."""

    params: ContainsParams | StartsWithParams

    def _values(self, item: Item) -> list[str]:
        return self.params.values if self.params.values is not None else item.references()

    def check_item(self, item: Item) -> str | None:
        values = self._values(item)
        if not values:
            return "needs a reference or params.values"
        if not all(normalize(v, self._key) for v in values):
            return "has a value that is empty after normalisation"
        return None


@register
class Contains(_ValuesScorer):
    kind = "contains"
    Params = ContainsParams
    params: ContainsParams
    description = "The answer contains any/all of the values (or none, when negated)."

    def score(self, output: str, item: Item) -> ScoreResult:
        key = self._key
        got = normalize_forms(output, key)
        values = self._values(item)
        found = [v for v in values if any(_occurs(w, g) for w, g in zip(normalize_forms(v, key), got, strict=True))]
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
        score = (
            1.0 if ok else (len(found) / len(values) if self.params.mode == "all" and not self.params.negate else 0.0)
        )
        return ScoreResult(score, ok, why, {"found": found})

    def ideal_answer(self, item: Item) -> str | None:
        if self.params.negate:
            return None
        values = self._values(item)
        if not values:
            return None
        # A reference that already passes is the most natural answer (and lets the oracle's answer
        # book merge it with what other scorers ask for, e.g. a length limit).
        if self.params.values is not None:
            for ref in item.references():
                if self.score(ref, item).passed:
                    return ref
        return "、".join(values) if self.params.mode == "all" else values[0]


class RegexParams(Params):
    pattern: str = Field(
        description="Python regular expression, searched in the normalised answer "
        "(write it against NFKC text: half-width digits, letters and brackets)."
    )
    negate: bool = Field(default=False, description="Pass when the pattern does NOT match.")
    ignore_case: bool = Field(default=False, description="Case-insensitive matching (re.IGNORECASE).")
    normalize: Annotated[Normalization, defaults_first(**_REGEX_DEFAULTS)] = Field(
        default_factory=lambda: Normalization(**_REGEX_DEFAULTS),
        description="Normalisation of the answer before matching (default: NFKC and collapsed whitespace only).",
    )

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        return value


@register
class Regex(_Normalized):
    kind = "regex"
    Params = RegexParams
    params: RegexParams
    description = "The normalised answer matches the regular expression (or does not, when negated)."

    def __init__(self, params: RegexParams) -> None:
        super().__init__(params)
        self.regex = re.compile(params.pattern, re.IGNORECASE if params.ignore_case else 0)

    def _matches(self, text: str) -> re.Match[str] | None:
        return self.regex.search(normalize(text, self._key))

    def check_item(self, item: Item) -> str | None:
        if self.params.negate:
            return None
        if not any(self._matches(ref) for ref in item.references()):
            return "needs a reference that matches the pattern (the oracle answers with it)"
        return None

    def score(self, output: str, item: Item) -> ScoreResult:
        match = self._matches(output)
        found = match.group(0) if match else None
        if self.params.negate:
            if found is None:
                return ScoreResult(1.0, True, "禁止パターンに一致しない", {"match": None})
            return ScoreResult(0.0, False, f"禁止パターンに一致: 「{found}」", {"match": found})
        if found is not None:
            return ScoreResult(1.0, True, f"パターンに一致: 「{found}」", {"match": found})
        return ScoreResult(0.0, False, "パターンに一致しない", {"match": None})

    def ideal_answer(self, item: Item) -> str | None:
        if self.params.negate:
            return None
        return next((ref for ref in item.references() if self._matches(ref)), None)


class StartsWithParams(Params):
    values: list[str] | None = Field(default=None, description="Accepted beginnings; default: the item's references.")
    normalize: Annotated[Normalization, defaults_first(**_STARTS_DEFAULTS)] = Field(
        default_factory=lambda: Normalization(**_STARTS_DEFAULTS),
        description="Normalisation of answer and values before comparing (default: canonical numbers and dates).",
    )


@register
class StartsWith(_ValuesScorer):
    kind = "starts_with"
    Params = StartsWithParams
    params: StartsWithParams
    description = "The normalised answer begins with one of the values (or references)."

    def score(self, output: str, item: Item) -> ScoreResult:
        got = normalize_forms(output, self._key)
        for value in self._values(item):
            if any(g.startswith(v) for g, v in zip(got, normalize_forms(value, self._key), strict=True)):
                return ScoreResult(1.0, True, f"「{value}」で始まる", {"start": value})
        head = got[-1][:12] + ("…" if len(got[-1]) > 12 else "")
        return ScoreResult(0.0, False, f"指定の語句で始まらない（冒頭: 「{head}」）", {"start": None})

    def ideal_answer(self, item: Item) -> str | None:
        values = self._values(item)
        return values[0] if values else None
