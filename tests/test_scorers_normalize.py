"""The `normalize:` block every text scorer accepts: each step can be switched on and off."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from evalkit.config.suite import Item
from evalkit.scorers import build
from evalkit.scorers.normalize import Normalization, normalize, strip_punctuation


@pytest.mark.parametrize(
    "opts, raw, expected",
    [
        ({}, "ＡＢＣ　１２３。", "abc 123"),
        ({"nfkc": False}, "ＡＢＣ", "ａｂｃ"),
        ({"casefold": False}, "ＡＢＣ", "ABC"),
        ({"whitespace": "remove"}, "東 京\n都", "東京都"),
        ({"whitespace": "keep", "punctuation": False}, " 東京 ", " 東京 "),
        ({"punctuation": False}, "東京，大阪．", "東京,大阪."),
        ({}, "東京，大阪．", "東京、大阪"),
        ({"remove_punctuation": True}, "「東京」、（大阪）・名古屋！", "東京大阪名古屋"),
        ({"kana": True}, "トウキョウ", "とうきょう"),
        ({"kana": True}, "ｶﾞｲﾄﾞ", "がいど"),  # half-width katakana: NFKC first, then folded
        ({}, "トウキョウ", "トウキョウ"),
    ],
)
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


@pytest.mark.parametrize(
    "text, expected",
    [
        ("本件は，一般競争入札による．詳細は別途定める．", "本件は、一般競争入札による。詳細は別途定める"),
        ("第3.5条を参照．", "第3.5条を参照"),
        ("See Art. 3.5. 詳細．", "see art. 3.5. 詳細"),
    ],
)
def test_full_width_period_folds_only_after_japanese_text(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_full_width_punctuation_answer_matches_the_reference() -> None:
    result = build("exact", {}).score(
        "本件は，一般競争入札による．詳細は別途定める．",
        Item(id="q1", reference="本件は、一般競争入札による。詳細は別途定める。"),
    )
    assert result.passed
