"""Text normalisation shared by all text scorers (Japanese-aware)."""

from __future__ import annotations

import re
import unicodedata

from typing import Literal

from pydantic import BaseModel, ConfigDict

_SPACE = re.compile(r"\s+")
# Punctuation variants folded onto one form: 、/， -> 、 and 。/． -> 。 (after NFKC, ，．become ,.);
# dashes and minus signs NFKC leaves alone -> '-', and the wave dash 〜 -> '~' (NFKC makes ～ '~').
_PUNCT = str.maketrans({",": "、", "，": "、", "．": "。", "｡": "。", "､": "、",
                        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "〜": "~"})
_TRAILING = "。、.!?！？ 　"
_KATA_START, _KATA_END = ord("ァ"), ord("ヶ")


class Normalization(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nfkc: bool = True
    casefold: bool = True
    whitespace: Literal["collapse", "remove", "keep"] = "collapse"
    punctuation: bool = True  # fold 、。 vs ，． and strip trailing punctuation
    kana: bool = False  # fold katakana onto hiragana


def katakana_to_hiragana(text: str) -> str:
    return "".join(
        chr(ord(ch) - 0x60) if _KATA_START <= ord(ch) <= _KATA_END - 2 else ch for ch in text
    )


def normalize(text: str, opts: Normalization | None = None) -> str:
    opts = opts or Normalization()
    if opts.nfkc:
        text = unicodedata.normalize("NFKC", text)
    if opts.casefold:
        text = text.casefold()
    if opts.punctuation:
        text = text.translate(_PUNCT)
    if opts.kana:
        text = katakana_to_hiragana(text)
    if opts.whitespace == "collapse":
        text = _SPACE.sub(" ", text).strip()
    elif opts.whitespace == "remove":
        text = _SPACE.sub("", text)
    if opts.punctuation:
        text = text.strip(_TRAILING)
    return text
