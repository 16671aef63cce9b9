"""The `normalize:` block every text scorer accepts: each step can be switched on and off."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from evalkit.config.suite import Item
from evalkit.scorers import build
from evalkit.scorers.normalize import Normalization, normalize, strip_punctuation


@pytest.mark.parametrize("opts, raw, expected", [
    ({}, "ＡＢＣ　１２３。", "abc 123"),
    ({"nfkc": False}, "ＡＢＣ", "ａｂｃ"),
    ({"casefold": False}, "ＡＢＣ", "ABC"),
    ({"whitespace": "remove"}, "東 京\n都", "東京都"),
    ({"whitespace": "keep", "punctuation": False}, " 東京 ", " 東京 "),
    ({"punctuation": False}, "東京，大阪．", "東京,大阪."),
    ({}, "東京，大阪．", "東京、大阪"),
    ({"remove_punctuation": True}, "「東京」、（大阪）・名古屋！", "東京大阪名古屋"),
    ({"kana": True}, "トウキョウ", "とうきょう"),
    ({"kana": True}, "ｶﾞｲﾄﾞ", "がいど"),                 # half-width katakana: NFKC first, then folded
    ({}, "トウキョウ", "トウキョウ"),
])
def test_each_step_is_configurable(opts: dict, raw: str, expected: str) -> None:
    assert normalize(raw, Normalization(**opts)) == expected


def test_strip_punctuation_keeps_letters_digits_and_long_vowel() -> None:
    assert strip_punctuation("K-Z 48・21！ ラーメン") == "KZ 4821 ラーメン"


def test_normalize_block_reaches_the_scorers() -> None:
    it = Item(id="q", reference="トウキョウ")
    assert not build("exact", {}).score("とうきょう", it).passed
    assert build("exact", {"normalize": {"kana": True}}).score("とうきょう", it).passed
    with pytest.raises(ValidationError):
        build("exact", {"normalize": {"kana_fold": True}})
    with pytest.raises(ValidationError):
        build("exact", {"normalize": {"whitespace": "squash"}})
