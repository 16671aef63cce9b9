"""Surface transforms of Japanese text for robustness variants (evalkit/data/variants.py).

Each transform is a small pure function of the text (and, where it draws, of a seeded
``random.Random``). None touches what carries the meaning of a question: spans that
``protected_spans`` finds are copied as they are — numbers and ASCII codes (``2025``, ``AB-1234``,
``R7.4.1``), numbers with their counter (``5年``, ``３件``, ``第三条``) and quoted names (「山田太郎」,
『…』). The transforms act on the rest:

- ``width``: 全角/半角 — half: katakana to half-width (ｶﾀｶﾅ), full-width punctuation to ASCII;
  full: half-width katakana and ASCII punctuation to full width.
- ``kana``: words written in kanji (and, to hiragana, katakana) respelled in hiragana or katakana
  (readings by pykakasi), a ``rate`` share of them chosen by the seed.
- ``keigo``: sentence endings by rule (です/ます ↔ だ/である; a small lexicon of verbs and of
  honorific and humble forms).
- ``typos``: kana-input slips at ``rate`` per kana: a dakuten slipped (か↔が, は↔ば/ぱ), a small kana
  (つ↔っ, よ↔ょ), or a neighbouring vowel key of romaji input (u↔i↔o: く→き, し→す).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

# What never changes: quoted names, ASCII/full-width alphanumeric runs (codes, numbers, dates written
# with digits) with a following counter, kanji numerals with a counter or after 第.
_COUNTER = r"[年月日時分秒円件名人歳回号条項章節割倍%％階番]"
PROTECTED = re.compile(
    r"「[^「」]*」|『[^『』]*』"
    r"|[0-9A-Za-z０-９Ａ-Ｚａ-ｚ][0-9A-Za-z０-９Ａ-Ｚａ-ｚ\-_./:@#,，．－]*" + _COUNTER + "?"
    r"|第?[〇一二三四五六七八九十百千万億]+" + _COUNTER + r"|第[〇一二三四五六七八九十百千万億]+"
)


def protected_spans(text: str) -> list[str]:
    """The spans of ``text`` no transform may change, in order."""
    return [m.group(0) for m in PROTECTED.finditer(text)]


def on_free_text(text: str, fn: Callable[[str], str]) -> str:
    """``fn`` applied to every stretch of ``text`` between protected spans (those are copied)."""
    out: list[str] = []
    last = 0
    for match in PROTECTED.finditer(text):
        if match.start() > last:
            out.append(fn(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    if last < len(text):
        out.append(fn(text[last:]))
    return "".join(out)


# ---------------------------------------------------------------------------------------------- width


def _half_kana_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code in range(0xFF61, 0xFFA0):
        half = chr(code)
        full = unicodedata.normalize("NFKC", half)
        if len(full) == 1 and full != half:
            table.setdefault(full, half)
    for code in range(0x30A1, 0x30FB):  # katakana with (han)dakuten: base + ﾞ/ﾟ
        full = chr(code)
        parts = unicodedata.normalize("NFD", full)
        base, marks = parts[0], parts[1:]
        if marks and base in table:
            mark = {"\u3099": "ﾞ", "\u309a": "ﾟ"}.get(marks[0])
            if mark:
                table[full] = table[base] + mark
    for quote in "「」":  # quoted names are protected spans; their brackets stay
        table.pop(quote, None)
    return table


_TO_HALF = _half_kana_table()
_TO_HALF.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F) if not chr(c - 0xFEE0).isalnum()})
_TO_HALF_TABLE = str.maketrans(_TO_HALF)
_HALF_KANA = re.compile(r"[\uff61-\uff9f]+")
_ASCII_PUNCT = str.maketrans(
    {" ": "\u3000", **{chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F) if not chr(c).isalnum()}}
)


def width(text: str, to: str = "half") -> str:
    """全角/半角: ``half`` writes katakana in half width and full-width punctuation as ASCII; ``full``
    writes half-width katakana, ASCII punctuation and spaces in full width."""
    if to == "half":
        return on_free_text(text, lambda s: s.translate(_TO_HALF_TABLE))

    def full(s: str) -> str:
        s = _HALF_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), s)
        return s.translate(_ASCII_PUNCT)

    return on_free_text(text, full)


# ----------------------------------------------------------------------------------------------- kana


@lru_cache(maxsize=1)
def _kakasi() -> Any:
    import pykakasi

    return pykakasi.kakasi()


_KANJI = re.compile(r"[\u4e00-\u9fff々〆ヶ]")
_KATAKANA = re.compile(r"[\u30a1-\u30fa]")


def kana(text: str, to: str = "hiragana", rate: float = 1.0, rng: random.Random | None = None) -> str:
    """Words written in kanji (to hiragana: also katakana words) respelled in ``to`` with pykakasi's
    readings; with ``rate`` < 1 each word is respelled with that probability (``rng``)."""
    rng = rng or random.Random(0)

    def respell(s: str) -> str:
        return "\n".join(respell_line(line) for line in s.split("\n"))

    def respell_line(s: str) -> str:
        parts = _kakasi().convert(s) if s else []
        if "".join(str(p["orig"]) for p in parts) != s:
            return s  # (pykakasi's segments do not spell the line back: left as it is)
        out: list[str] = []
        for part in parts:
            orig = str(part["orig"])
            eligible = _KANJI.search(orig) or (to == "hiragana" and _KATAKANA.search(orig))
            if eligible and (rate >= 1.0 or rng.random() < rate):
                out.append(str(part["hira" if to == "hiragana" else "kana"]))
            else:
                out.append(orig)
        return "".join(out)

    return on_free_text(text, respell)


# ---------------------------------------------------------------------------------------------- keigo

# polite verb endings -> plain (checked in order: longer first)
_POLITE_TO_PLAIN = [
    ("でしょうか", "だろうか"),
    ("でしょう", "だろう"),
    ("ではありません", "ではない"),
    ("ありません", "ない"),
    ("でした", "だった"),
    ("ですか", "か"),
    ("です", "だ"),
    ("ませんでした", "なかった"),
    ("てください", "てほしい"),
    ("でください", "でほしい"),
    ("ください", "ほしい"),
    ("いたします", "する"),
    ("します", "する"),
    ("しました", "した"),
    ("あります", "ある"),
    ("ありました", "あった"),
    ("がいます", "がいる"),
    ("はいます", "はいる"),
    ("もいます", "もいる"),
    ("できます", "できる"),
    ("なります", "なる"),
    ("なりました", "なった"),
    ("きます", "くる"),
    ("れます", "れる"),
    ("ています", "ている"),
]
_GODAN = {"き": "く", "ぎ": "ぐ", "し": "す", "ち": "つ", "に": "ぬ", "び": "ぶ", "み": "む", "り": "る", "い": "う"}
_PLAIN_TO_POLITE = [
    ("だろうか", "でしょうか"),
    ("だろう", "でしょう"),
    ("ではない", "ではありません"),
    ("である", "です"),
    ("だった", "でした"),
    ("てほしい", "てください"),
    ("でほしい", "でください"),
    ("せよ", "してください"),
    ("する", "します"),
    ("した", "しました"),
    ("ある", "あります"),
    ("あった", "ありました"),
    ("いる", "います"),
    ("できる", "できます"),
    ("なる", "なります"),
    ("ない", "ありません"),
    ("か", "ですか"),
    ("だ", "です"),
]
# polite -> honorific/humble: the asker humbles their own acts, raises the reader's
_POLITE_TO_HONORIFIC = [
    ("てください", "ていただけますでしょうか"),
    ("でください", "でいただけますでしょうか"),
    ("ください", "いただけますでしょうか"),
    ("ですか", "でしょうか"),
    ("します", "いたします"),
    ("あります", "ございます"),
    ("思います", "存じます"),
    ("言います", "申します"),
    ("見ます", "拝見します"),
    ("です", "でございます"),
]
# a sentence ends before 。！？!? or a line break (or the text's end), possibly after a closing bracket
_ENDING = re.compile(r"([^。！？!?\n]+?)(\s*)(?=[。！？!?\n]|\Z)")


def _replace_ending(sentence: str, table: list[tuple[str, str]]) -> str:
    for old, new in table:
        if sentence.endswith(old):
            return sentence[: -len(old)] + new
    return sentence


_A_ROW = {"き": "か", "ぎ": "が", "し": "さ", "ち": "た", "に": "な", "び": "ば", "み": "ま", "り": "ら", "い": "わ"}


def _polite_to_plain(sentence: str) -> str:
    if sentence.endswith("ますか"):
        plain = _polite_to_plain(sentence[:-1])
        return plain + "か" if plain != sentence[:-1] else sentence
    out = _replace_ending(sentence, _POLITE_TO_PLAIN)
    if out != sentence:
        return out
    if sentence.endswith("ません") and len(sentence) >= 4:
        stem = sentence[-4]
        if stem in "えけげせてねべめれ":
            return sentence[:-3] + "ない"
        if stem in _A_ROW:
            return sentence[:-4] + _A_ROW[stem] + "ない"
    if sentence.endswith("ました"):
        return sentence[:-3] + "た"
    if sentence.endswith("ます") and len(sentence) >= 3:
        stem = sentence[-3]
        if stem in "えけげせてねべめれ":
            return sentence[:-2] + "る"
        if stem in _GODAN:
            return sentence[:-3] + _GODAN[stem]
    return sentence


def _plain_to_polite(sentence: str) -> str:
    if re.search(r"(です|ます|でした|ました|ません|ください|でしょう)か?$", sentence):
        return sentence
    return _replace_ending(sentence, _PLAIN_TO_POLITE)


def keigo(text: str, to: str = "plain") -> str:
    """Each sentence's ending rewritten: ``plain`` (です→だ, します→する, ください→ほしい), ``polite``
    (だ/である→です, する→します) or ``honorific`` (polite first, then ください→いただけますでしょうか,
    します→いたします, あります→ございます, です→でございます)."""

    def sentence(m: re.Match[str]) -> str:
        body, space = m.group(1), m.group(2)
        if PROTECTED.fullmatch(body.strip()) or not body.strip():
            return m.group(0)
        tail = re.search(r"[」』）)]*$", body)
        close = tail.group(0) if tail else ""
        core = body[: len(body) - len(close)]
        if to == "plain":
            new = _polite_to_plain(core)
        else:
            new = _plain_to_polite(core)
            if to == "honorific":
                new = _replace_ending(new, _POLITE_TO_HONORIFIC)
        # an ending inside a protected span (a quoted name, a code) is never rewritten
        if protected_spans(new) != protected_spans(core):
            new = core
        return new + close + space

    return _ENDING.sub(sentence, text)


# ---------------------------------------------------------------------------------------------- typos

_DAKUTEN = {}
for _base, _voiced in zip(
    "かきくけこさしすせそたちつてとはひふへほ", "がぎぐげござじずぜぞだぢづでどばびぶべぼ", strict=True
):
    _DAKUTEN[_base], _DAKUTEN[_voiced] = _voiced, _base
for _base, _semi in zip("はひふへほ", "ぱぴぷぺぽ", strict=True):
    _DAKUTEN[_semi] = _base
_SMALL = {}
for _big, _small in zip("あいうえおつやゆよわ", "ぁぃぅぇぉっゃゅょゎ", strict=True):
    _SMALL[_big], _SMALL[_small] = _small, _big
# romaji input: the vowel keys u, i, o sit side by side (a neighbour slip changes the kana's vowel)
_ROWS = {
    "": "あいうえお",
    "k": "かきくけこ",
    "s": "さしすせそ",
    "t": "たちつてと",
    "n": "なにぬねの",
    "h": "はひふへほ",
    "m": "まみむめも",
    "r": "らりるれろ",
    "g": "がぎぐげご",
    "z": "ざじずぜぞ",
    "d": "だぢづでど",
    "b": "ばびぶべぼ",
    "p": "ぱぴぷぺぽ",
}
_NEIGHBOUR_VOWEL = {1: (2, 4), 2: (1,), 4: (1,)}  # i -> u/o, u -> i, o -> i
_VOWEL_SLIP: dict[str, tuple[str, ...]] = {}
for _row in _ROWS.values():
    for _i, _k in enumerate(_row):
        if _i in _NEIGHBOUR_VOWEL:
            _VOWEL_SLIP[_k] = tuple(_row[j] for j in _NEIGHBOUR_VOWEL[_i])
_HIRAGANA = re.compile(r"[\u3041-\u3096]")


def _to_hira(ch: str) -> str:
    return chr(ord(ch) - 0x60) if "\u30a1" <= ch <= "\u30f6" else ch


def _to_kata(ch: str) -> str:
    return chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" else ch


def slip(ch: str, rng: random.Random) -> str:
    """One kana-input slip of the kana ``ch`` (hiragana or katakana; the same script back), or ``ch``."""
    kata = "\u30a1" <= ch <= "\u30f6"
    hira = _to_hira(ch)
    options: list[str] = []
    if hira in _DAKUTEN:
        options.append(_DAKUTEN[hira])
    if hira in _SMALL:
        options.append(_SMALL[hira])
    options += _VOWEL_SLIP.get(hira, ())
    if not options:
        return ch
    out = rng.choice(options)
    return _to_kata(out) if kata else out


def typos(text: str, rate: float = 0.03, rng: random.Random | None = None) -> str:
    """Kana-input slips: each kana outside protected spans slips with probability ``rate``."""
    rng = rng or random.Random(0)

    def slip_all(s: str) -> str:
        return "".join(slip(ch, rng) if rng.random() < rate and _HIRAGANA.match(_to_hira(ch)) else ch for ch in s)

    return on_free_text(text, slip_all)


# ----------------------------------------------------------------------------------------- distractor

DISTRACTORS = (
    "なお、本日は庁舎の空調設備の点検があり、午後は一部の会議室が使えません。",
    "参考までに、来月の職員研修の案内は別途メールで送付される予定です。",
    "ちなみに、庁舎一階の売店は改装のためしばらく休業しています。",
    "余談ですが、最近は近くの公園の桜がきれいに咲いていると話題です。",
)


def distractor(text: str, added: str) -> str:
    """``added`` (irrelevant context) placed before ``text`` as its own paragraph."""
    return f"{added}\n{text}"


# ------------------------------------------------------------------------------------------ options


_OPTION_LINE = re.compile(r"^(\s*[\(\[（「【『〔<＜\s*]*[a-hア-ク1-8①-⑧]\s*[\)\]）.．:：、\s]\s*)(.+)$", re.IGNORECASE)


def option_lines(text: str) -> list[tuple[int, str, str]]:
    """(line number, label prefix, option text) of each option line of ``text`` (「a 本文」「ア．本文」)."""
    out = []
    for n, line in enumerate(text.splitlines()):
        match = _OPTION_LINE.match(line)
        if match:
            out.append((n, match.group(1), match.group(2)))
    return out


def permutation(n: int, rng: random.Random) -> list[int]:
    """A seeded order of ``n`` options that is never the original one (n > 1)."""
    order = list(range(n))
    rng.shuffle(order)
    if n > 1 and order == list(range(n)):
        order = order[1:] + order[:1]
    return order


def reorder(options: list[str] | str, order: list[int]) -> list[str] | str:
    """The options in ``order`` (new position i shows old option order[i]): a list, or option lines whose
    labels stay in place while their texts move."""
    if isinstance(options, list):
        return [options[j] for j in order]
    lines = options.splitlines()
    found = option_lines(options)
    for (n, prefix, _), j in zip(found, order, strict=True):
        lines[n] = prefix + found[j][2]
    return "\n".join(lines) + ("\n" if options.endswith("\n") else "")
