"""Text normalisation shared by all text scorers (Japanese-aware).

Every text scorer accepts a ``normalize:`` params block (:class:`Normalization`); each step is
optional so that a suite can say exactly what "the same answer" means.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypedDict

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .patterns import lazy

if TYPE_CHECKING:  # typing.Unpack is Python 3.11+
    from typing_extensions import Unpack

_SPACE = lazy(r"\s+")
# Punctuation variants folded onto one form: 、/， -> 、 and 。/． -> 。 (after NFKC, ，．become ,.);
# dashes and minus signs NFKC leaves alone -> '-', and the wave dash 〜 -> '~' (NFKC makes ～ '~').
_PUNCT = str.maketrans(
    {
        ",": "、",
        "，": "、",
        "．": "。",
        "｡": "。",
        "､": "、",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
        "〜": "~",
    }
)
_HAS_PUNCT = lazy("[" + re.escape("".join(map(chr, _PUNCT))) + "]")
# NFKC turns ． into '.', which also ends English sentences and sits in 3.5: it becomes 。 only
# right after a Japanese character (「定める．詳細」); a comma is folded everywhere (both sides alike).
_JA_PERIOD = lazy(r"(?<=[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef])\.")
_TRAILING = "。、.!?！？ 　"
_KATA_START, _KATA_END = ord("ァ"), ord("ヶ")


class Normalization(BaseModel):
    """How text is normalised before comparison (the ``normalize:`` block of text scorers)."""

    model_config = ConfigDict(extra="forbid")

    nfkc: bool = Field(
        default=True,
        description="Unicode NFKC: full-width ↔ half-width letters, digits, "
        "symbols and half-width katakana folded onto one form.",
    )
    casefold: bool = Field(default=True, description="Case-insensitive comparison (Unicode casefold).")
    whitespace: Literal["collapse", "remove", "keep"] = Field(
        default="collapse",
        description="collapse: runs of spaces (incl. 全角スペース, newlines) -> one space, "
        "trimmed; remove: drop all whitespace; keep: leave as is.",
    )
    punctuation: bool = Field(
        default=True,
        description="Fold punctuation variants (，．-> 、。, dashes and minus signs -> '-', "
        "〜/～ -> '~') and strip trailing punctuation.",
    )
    remove_punctuation: bool = Field(
        default=False,
        description="Drop every punctuation mark and symbol (Unicode categories P and S) "
        "before comparing, e.g. for character-overlap metrics.",
    )
    kana: bool = Field(default=False, description="Fold katakana onto hiragana (トウキョウ = とうきょう).")
    canon: bool = Field(
        default=False,
        description="Canonical numbers, dates, times and amounts (evalkit/scorers/canon.py): "
        "令和4年 = 2022年, 第三十四条 = 第34条, ￥12,000 = 12000円, 17:00 = 17時, "
        "2025/4/1 = 2025年4月1日. Implies NFKC for the numbers.",
    )


class NormalizationDefaults(TypedDict, total=False):
    """A kind's defaults for its ``normalize:`` block: some of the fields of :class:`Normalization`."""

    nfkc: bool
    casefold: bool
    whitespace: Literal["collapse", "remove", "keep"]
    punctuation: bool
    remove_punctuation: bool
    kana: bool
    canon: bool


def defaults_first(**defaults: Unpack[NormalizationDefaults]) -> BeforeValidator:
    """The validator of a kind's ``normalize:`` field, ``Annotated[Normalization, defaults_first(...)]``:
    a block given in a suite replaces only the keys it names, the kind's defaults fill in the rest.
    Pair it with ``Field(default_factory=lambda: Normalization(**defaults))``."""

    def merge(value: Any) -> Any:  # Any: the params as read from the suite, before validation
        return {**defaults, **value} if isinstance(value, dict) else value

    return BeforeValidator(merge)


# ァ..ヴ (ヵ and ヶ have no hiragana in common use and stay) to their hiragana, 0x60 code points below
_KATA_TO_HIRA = {code: code - 0x60 for code in range(_KATA_START, _KATA_END - 1)}


def katakana_to_hiragana(text: str) -> str:
    return text.translate(_KATA_TO_HIRA)


def strip_punctuation(text: str) -> str:
    """Remove punctuation and symbols (Unicode categories P* and S*)."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PS")


class Steps(NamedTuple):
    """A :class:`Normalization` as a hashable tuple (the key of the memo below)."""

    nfkc: bool
    casefold: bool
    whitespace: str
    punctuation: bool
    remove_punctuation: bool
    kana: bool
    canon: bool


def steps(opts: Normalization | None = None) -> Steps:
    opts = opts or Normalization()
    return Steps(
        opts.nfkc, opts.casefold, opts.whitespace, opts.punctuation, opts.remove_punctuation, opts.kana, opts.canon
    )


# Texts up to this length are memoised: references and values are normalised once per item and
# scorer, not once per answer (and an answer scored by several scorers with the same block once).
_MEMO_CHARS = 4000


def normalize(text: str, opts: Normalization | Steps | None = None) -> str:
    key = opts if isinstance(opts, Steps) else steps(opts)
    return _normalize_memo(text, key) if len(text) <= _MEMO_CHARS else _normalize(text, key)


def normalize_forms(text: str, key: Steps) -> tuple[str, ...]:
    """The normalised forms a text is compared in: with ``key.canon``, ``(canonical, as written)``
    (``normalize`` with canon on, then off), else ``(normalize(text, key),)``. Memoised like
    :func:`normalize`; the two forms share the steps before canon."""
    return _forms_memo(text, key) if len(text) <= _MEMO_CHARS else _forms(text, key)


def _forms(text: str, key: Steps) -> tuple[str, ...]:
    text = _before_canon(text, key)
    if not key.canon:
        return (_after_canon(text, key),)
    return _after_canon(_canon(text), key), _after_canon(text, key)


def _normalize(text: str, opts: Steps) -> str:
    text = _before_canon(text, opts)
    if opts.canon:
        text = _canon(text)
    return _after_canon(text, opts)


_canon_forms: Callable[[str], str] | None = None


def _canon(text: str) -> str:
    global _canon_forms
    if _canon_forms is None:
        from .canon import canon_forms  # canon imports numeric, which imports the scorer base

        _canon_forms = canon_forms
    return _canon_forms(unicodedata.normalize("NFKC", text))


def _before_canon(text: str, opts: Steps) -> str:
    if opts.nfkc:
        text = unicodedata.normalize("NFKC", text)
    if opts.casefold:
        text = text.casefold()
    return text


def _after_canon(text: str, opts: Steps) -> str:
    if opts.punctuation:
        if _HAS_PUNCT.search(text):  # (translate costs more than the test)
            text = text.translate(_PUNCT)
        if "." in text:
            text = _JA_PERIOD.sub("。", text)
    if opts.remove_punctuation:
        text = strip_punctuation(text)
    if opts.kana:
        text = katakana_to_hiragana(text)
    if opts.whitespace == "collapse":
        text = _SPACE.sub(" ", text).strip()
    elif opts.whitespace == "remove":
        text = _SPACE.sub("", text)
    if opts.punctuation:
        text = text.strip(_TRAILING)
    return text


_normalize_memo = lru_cache(maxsize=8192)(_normalize)
_forms_memo = lru_cache(maxsize=8192)(_forms)
