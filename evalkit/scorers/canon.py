"""Canonical text: one spelling for every way Japanese writes the same number, date, time or amount.

``canonical(text)`` is what fact checks (``claims``, ``preserve``, ``contains`` with ``canon``) compare:

- NFKC (full-width digits and letters, ㍻ -> 平成), case folded, every space removed (a space between two
  digits becomes 「、」 so that 「1. 3万円」 style list numbers never join the number that follows; a full stop
  after a word and before a spaced number ends a sentence, 「…dias. 14 dias」 -> 「…dias。14dias」, so the number
  is not read as a decimal part);
  line-start list markers (1. / 1) / - / ・) and enumerators ①–⑳ are dropped; furigana in brackets
  right after a kanji (日（ついたち）) is dropped;
- thousands separators removed (12,000 -> 12000);
- kanji numerals read as numbers wherever they are a number, 万/億/兆 multipliers expanded to plain
  digits: 第三十四条 -> 第34条, 十八歳 -> 18歳, 二〇二五年 -> 2025年, 三万円 / 3万円 -> 30000円,
  一千二百万円 -> 12000000円, 1.5万 -> 15000; words stay words (一般, 統一, 九州, 一部, 一方, 十分な,
  万が一, 一時的, 一人ひとり);
- ひとつ/ふたつ/… -> 1つ/2つ/…, ひとり/ふたり -> 1人/2人; やさしい日本語 counters after a digit
  (4がつ1にち -> 4月1日, ごご5じ -> 17時, 3,000えん -> 3000円, 月ついたち -> 月1日);
- 和暦 -> 西暦 for 明治/大正/昭和/平成/令和 (元年 = 1) and R7 / H31 / S64 …; 「2022年（令和4年）」 and
  「令和4年（2022年）」 -> 「2022年」;
- date forms 2025/4/1, 2025-04-01, 2025.4.1, 2025年04月01日 -> 2025年4月1日; 4/1（火） -> 4月1日;
- times: 17:00 -> 17時, 8:30 -> 8時30分, 17時00分 -> 17時, 5時半 -> 5時30分, 午後5時 -> 17時,
  夕方5時 / 夜9時 / 晩7時 -> 17時 / 21時 / 19時 (夜 and 晩 from 6 to 11 o'clock), 5 p.m. -> 17時, 正午 -> 12時;
- ¥12,000 / ￥12,000 / JPY 12,000 / 12,000 JPY -> 12000円; パーセント / ％ -> %; ヶ月/カ月/箇月 -> か月,
  ヶ所/カ所/箇所 after a digit -> か所; 満18歳 stays 満18歳 (it contains 18歳).

It is idempotent: ``canonical(canonical(t)) == canonical(t)``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .numeric import parse_numeral
from .patterns import lazy

# ------------------------------------------------------------------------------------------ tables
_KD = "〇零一二三四五六七八九壱弐参"
_KS = "十拾百千阡"
_KB = "万萬億兆"
_CJK = lazy(r"[\u3400-\u9fff々〆]")
# After a single kanji numeral one of these makes it a quantity (三人, 五件, 四月); any other kanji
# makes it part of a word (一般, 九州, 一部, 一方).
_COUNTERS = set(
    "人名件円回個日月年歳才台枚本冊週時分秒割倍点社校課条項号階度種戸世票通期周便問者箇泊位次丁つ天个岁份张项"
)
# Before a single kanji numeral these keep it a number (第一, 約三, 令和七, 年四月, 午後一時); any other
# kanji makes it part of a word (統一, 同一, 唯一, 万一).
_BEFORE_OK = set("第約計全各毎満最金年月日時分秒週回和成治正前後")
# Words that contain numerals but are not numbers; never converted (unless a numeral precedes them).
_WORDS = (
    "万が一",
    "一か八か",
    "八百屋",
    "八百長",
    "十二分",
    "四六時中",
    "七五三",
    "一期一会",
    "一石二鳥",
    "一人ひとり",
    "一人一人",
    "ひとりひとり",
    "一つ一つ",
    "ひとつひとつ",
    "一人暮らし",
    "ひとり暮らし",
    "一人親",
    "ひとり親",
    "一通り",
    "一本化",
    "一度も",
    "一日も早",
    "一人も",
    "一つも",
    "一時的",
    "一時金",
    "一時保護",
    "一時預",
    "一時払",
    "一時停止",
    "一時帰国",
    "一時避難",
    "一時休止",
    "五月雨",
    "三日月",
    "四日市",
    "十日町",
    "六本木",
    "千代田",
)
_WORDS_RE = lazy("(?<![0-9" + _KD + _KS + _KB + "])(?:" + "|".join(sorted(_WORDS, key=len, reverse=True)) + ")")
_MASK_BASE = 0xE000  # private-use characters stand in for protected words while numerals are read

ENUMERATORS = _ENUMERATORS = lazy(
    "[\u2460-\u249b\u24ea-\u24ff\u2776-\u2793\u3220-\u3229\u3251-\u325f\u3280-\u3289\u32b1-\u32bf]"
)
# 〜 is a tilde, dashes and minus signs are '-'. Full-width ，． keep their Japanese form (NFKC would make
# them ASCII) except between digits (１，６００円, １．５倍), and an ASCII period right after Japanese text
# is 。 (as normalize.py folds it).
_PRE = str.maketrans({"〜": "~", "～": "~", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-"})
FW_COMMA = lazy(r"(?<![0-9０-９])，|，(?![0-9０-９])")
_JA_PERIOD = lazy(r"(?<=[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef])\.")
_LIST_MARKER = lazy(r"(?m)^[ \t\u3000]*(?:\d{1,2}[.)]|[-*+•・])[ \t\u3000]+")
_RUBY = lazy(r"(?<=[\u4e00-\u9fff々〆ヶ])\([ぁ-ゖー]+\)")
_DIGIT_SPACE_DIGIT = lazy(r"(?<=\d)\s+(?=\d)")
_SPACE = lazy(r"\s+")
# A sentence's full stop before a number (「…입니다. 2026년」, "…dias. 14 dias"): once the space goes, the number
# would follow a "." and read as a decimal part; it becomes 「。」.
_SENTENCE_DOT = lazy(r"(?<=[^\W\d_])\.(?=\s+[\d¥])")
_SPACE_AT_NUMBER = lazy(r"(?<=[\d¥])\s+(?=\S)|(?<=\S)\s+(?=\d)")
_THOUSANDS = lazy(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d]|,\d)")

_NUM = r"\d+(?:\.\d+)?"
_SPAN = lazy(rf"(?:{_NUM}|[{_KD}{_KS}])(?:{_NUM}|[{_KD}{_KS}{_KB}])*")
_SPLIT = lazy(rf"(?<=\d)(?=[{_KD}])|(?<=[{_KD}])(?=\d)")
_HAS_KANJI = lazy(f"[{_KD}{_KS}{_KB}]")

_KANA_NUMBERS = {
    "ひとつ": "1つ",
    "ふたつ": "2つ",
    "みっつ": "3つ",
    "よっつ": "4つ",
    "いつつ": "5つ",
    "むっつ": "6つ",
    "ななつ": "7つ",
    "やっつ": "8つ",
    "ここのつ": "9つ",
    "ひとり": "1人",
    "ふたり": "2人",
}
# いつつ also ends 思いつつ / 言いつつ: only after a non-letter; やっつける, むっつり, ひとつき are words.
_KANA_NUMBER = lazy(
    "(" + "|".join(k for k in _KANA_NUMBERS if k != "いつつ") + ")(?![けりき])"
    r"|(?<![ぁ-ゖ\u3400-\u9fff])(いつつ)"
)
_KANA_DAYS = {
    "ついたち": 1,
    "ふつか": 2,
    "みっか": 3,
    "よっか": 4,
    "いつか": 5,
    "むいか": 6,
    "なのか": 7,
    "ようか": 8,
    "ここのか": 9,
    "とおか": 10,
    "はつか": 20,
}
_KANA_DAY = lazy(r"(?<=\d月)(" + "|".join(_KANA_DAYS) + ")")
# やさしい日本語: counters in kana after a digit. (_KANA_ANY below must see the start of each.)
_KANA_COUNTERS = [
    (lazy(r"(?<=\d)がつ"), "月"),
    (lazy(r"(?<=\d)にちかん"), "日間"),
    (lazy(r"(?<=\d)にち"), "日"),
    (lazy(r"(?<=\d)ねんかん"), "年間"),
    (lazy(r"(?<=\d)ねん"), "年"),
    (lazy(r"(?<=\d)じかん"), "時間"),
    (lazy(r"(?<=\d)じ(?![ゃゅょ])"), "時"),
    (lazy(r"(?<=\d)[ふぷ]んかん"), "分間"),
    (lazy(r"(?<=\d)[ふぷ]ん"), "分"),
    (lazy(r"(?<=\d)えん"), "円"),
    (lazy(r"(?<=\d)にん"), "人"),
    (lazy(r"(?<=\d)さい"), "歳"),
    (lazy(r"(?<=\d)かげつ"), "か月"),
    (lazy(r"(?<=\d)しゅうかん"), "週間"),
    (lazy(r"(?<=\d)まい"), "枚"),
    (lazy(r"(?<=\d)ばい"), "倍"),
    (lazy(r"(?<=\d)かしょ"), "か所"),
    (lazy(r"(?<=\d)さつ"), "冊"),
    (lazy(r"(?<=\d)ごう"), "号"),
    (lazy(r"(?<=\d)けん(?!め)"), "件"),
    (lazy(r"(?<=\d)ど(?=より|いじょう|いか|の|まで|で|に|を|は|、|。|\s|$)"), "度"),
    (lazy(r"(?<=\d)(?:ぱーせんと|パーセント)"), "%"),
    (lazy(r"ごご(?=\d)"), "午後"),
    (lazy(r"ごぜん(?=\d)"), "午前"),
    (lazy(r"(?<=\d時)はん"), "半"),
]

ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
_ERA_ABBR = {"m": 1868, "t": 1912, "s": 1926, "h": 1989, "r": 2019}
_DATE_TAIL = r"[./-]\d{1,2}[./-]\d{1,2}(?!\d)"
_ERA = lazy(r"(明治|大正|昭和|平成|令和)(元|\d{1,2})(?=年|\)|\]|\(\d{4}\)|" + _DATE_TAIL + ")")
_ERA_ABBR_RE = lazy(r"(?<![a-z0-9])([mtshr])(元|\d{1,2})(?=年|" + _DATE_TAIL + ")", re.I)
_DOUBLE_YEAR = lazy(r"(\d{4})(年?)[(\[](?:西暦)?\1(年?)[)\]](年?)")
_YMD = lazy(r"(?<![\d./-])(\d{4})([./-])(\d{1,2})\2(\d{1,2})(?![\d]|[./-]\d)")
_YM_SLASH = lazy(r"(?<![\d./-])(\d{4})/(\d{1,2})(?![\d/.])")
_MD_SLASH = lazy(r"(?<![\d./-])(\d{1,2})/(\d{1,2})(?=\([月火水木金土日]\)|まで|から|以降|以前|必着|締切|~)")
# 2月10日から16日まで: the end of a date range keeps the month (not 4月1日から14日以内, a duration).
_DAY_RANGE = lazy(
    r"(?<![\d.])(\d{1,2})月(\d{1,2})日(\([^)]{1,3}\))?(から|より|~|-)(\d{1,2})日"
    r"(?=まで|迄|\(|の間|、|。|$)"
)
_LEADING_ZERO = lazy(r"(?<![\d.])0+(?=\d+(?:月|日|時|分))")
_AMPM = lazy(
    r"(?<![\d.])(?<!\d:)(\d{1,2})(?::(\d{2}))?(?:(?:-|~|〜|–|—|to|and)(\d{1,2})(?::(\d{2}))?)?"
    r"([ap])\.?m(?:\.|(?![a-z]))",
    re.I,
)
_COLON_TIME = lazy(r"(?<![\d.])(?<!\d:)(\d{1,2}):(\d{2})(?![\d:])")
_HALF = lazy(r"(?<=\d)時半")
_AMPM_JA = lazy(r"(午前|午後)(\d{1,2})時")
# 午後2時から4時まで: the 午後 covers the end of the range too; 午前9時から5時まで ends in the afternoon.
_HALF_DAY_RANGE = lazy(r"(午前|午後)(\d{1,2})時((?:\d{1,2}分)?(?:から|より|~|-))(\d{1,2})時")


def _half_day_range(match: re.Match[str]) -> str:
    half, start, sep, end = match.group(1), int(match.group(2)), match.group(3), int(match.group(4))
    pm_end = (half == "午後" and start <= end <= 11) or (half == "午前" and 1 <= end < start <= 11)
    return f"{half}{start}時{sep}" + ("午後" if pm_end else "") + f"{end}時"


_ZERO_MIN = lazy(r"(?<=\d時)0分")
# 夕方5時 / 夜9時 / 晩7時 are afternoon and evening hours (午後); 朝8時 is the morning hour as written.
_NOON_RANGE = lazy(r"(?:昼|ひる|正午)の?12時(?=(?:から|より|~|-)(?:午後|ごご)?[1-5]時)")
_EVENING = lazy(r"(夕方|夕刻|夜|晩|ゆうがた|よる)(?:の)?(?=(\d{1,2})時)")


def _evening(match: re.Match[str]) -> str:
    hour = int(match.group(2))
    low = 1 if match.group(1) in ("夕方", "夕刻", "ゆうがた") else 6  # 夜1時 is past midnight
    return "午後" if low <= hour <= 11 else match.group(0)


_YEN_BEFORE = lazy(r"(?:¥|jpy)(\d+(?:\.\d+)?)(?:円)?", re.I)
_YEN_AFTER = lazy(r"(?<![\d.])(\d+(?:\.\d+)?)jpy(?![a-z])", re.I)
_MONTHS_VARIANT = lazy(r"(?<=\d)[ヶケカヵ箇]([月所国年])")


def _fmt(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _single_is_number(text: str, start: int, end: int) -> bool:
    """A lone kanji numeral (一, 三, 十, 百, 千) is a number only in a number's context."""
    ch = text[start:end]
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if before in ("数", "何", "幾") or ch in "〇零":
        return False
    if before and _CJK.match(before) and before not in _BEFORE_OK:
        return False  # 統一, 唯一, 同一, 万一
    if ch in "十拾" and after == "分":  # 十分な / 十分に (enough) against 十分間 / 約十分 / 3時十分
        rest = text[end + 1 : end + 3]
        return before in ("約", "時") or rest.startswith(
            ("間", "後", "前", "以", "程", "ほど", "おき", "ごと", "毎", "から", "まで", "頃", "ごろ")
        )
    if ch == "一" and after == "時":  # 一時的 / 一時保護 (temporary) against 一時間 / 午後一時
        nxt = text[end + 1 : end + 2]
        if (
            text[max(0, start - 2) : start] not in ("午前", "午後")
            and nxt
            and _CJK.match(nxt)
            and nxt not in "間半分頃過前"
        ):
            return False
    # not when another kanji that is no counter follows: 一般, 一部, 九州, 四国, 千代田
    return not (after and _CJK.match(after) and after not in _COUNTERS)


def _numerals(text: str, single: bool) -> str:
    """Kanji (and mixed) numerals -> Arabic digits with multipliers expanded."""
    out: list[str] = []
    last = 0
    for match in _SPAN.finditer(text):
        span = match.group(0)
        if not _HAS_KANJI.search(span):
            continue
        offset = match.start()
        for piece in _SPLIT.split(span):
            start, end = offset, offset + len(piece)
            offset = end
            if not _HAS_KANJI.search(piece):
                continue
            if len(piece) == 1 and (not single or not _single_is_number(text, start, end)):
                continue
            if start > 0 and text[start - 1] in "数何幾":
                continue  # 数十万, 何千人: not a number
            if piece[0] in _KB:
                continue
            try:
                value = parse_numeral(piece)
            except (InvalidOperation, ValueError, KeyError):
                value = None
            if value is None:
                continue
            out.append(text[last:start])
            out.append(_fmt(value))
            last = end
    out.append(text[last:])
    return "".join(out)


def _era_year(era_base: int, year: str) -> int:
    return era_base + (1 if year == "元" else int(year)) - 1


def _ymd(match: re.Match[str]) -> str:
    year, month, day = int(match.group(1)), int(match.group(3)), int(match.group(4))
    if 1 <= month <= 12 and 1 <= day <= 31:
        return f"{year}年{month}月{day}日"
    return match.group(0)


def _ampm(match: re.Match[str]) -> str:
    pm = match.group(5).lower() == "p"

    def clock(hour: str, minute: str | None) -> str | None:
        h, m = int(hour), int(minute or 0)
        if not (1 <= h <= 12 and 0 <= m <= 59):
            return None
        h = (h % 12) + (12 if pm else 0)
        return f"{h}時" + (f"{m}分" if m else "")

    first = clock(match.group(1), match.group(2))
    if first is None:
        return match.group(0)
    if match.group(3):
        second = clock(match.group(3), match.group(4))
        if second is None:
            return match.group(0)
        return f"{first}~{second}"
    return first


def _colon(match: re.Match[str]) -> str:
    h, m = int(match.group(1)), int(match.group(2))
    if h > 30 or m > 59:
        return match.group(0)
    return f"{h}時" + (f"{m}分" if m else "")


def _ampm_ja(match: re.Match[str]) -> str:
    h = int(match.group(2))
    if match.group(1) == "午後" and 0 <= h <= 11:
        h += 12
    return f"{h}時"


def _double_year(match: re.Match[str]) -> str:
    return match.group(1) + ("年" if any(match.group(i) for i in (2, 3, 4)) else "")


def prepare(text: str) -> str:
    """NFKC (Japanese punctuation kept), enumerators out, case folded; spacing untouched."""
    text = FW_COMMA.sub("、", _ENUMERATORS.sub(" ", text).translate(_PRE))
    return _JA_PERIOD.sub("。", unicodedata.normalize("NFKC", text).casefold())


def canon_forms(text: str, *, single: bool = True) -> str:
    """The number, date, time and amount rewrites of :func:`canonical` on prepared text.

    Whitespace next to a digit is dropped (between two digits it becomes 「、」); other spaces are
    left for the caller. ``single=False`` leaves lone kanji numerals and ひとつ-style words as
    written (only multi-character and mixed numerals are read)."""
    # Each group of rewrites runs only where one of its patterns could match (_KANA_ANY, _DATES_ANY, …:
    # one search instead of a series of substitutions that would change nothing).
    if _WHITESPACE.search(text) and _DIGIT_OR_YEN.search(text):
        text = _DIGIT_SPACE_DIGIT.sub("、", text)
        text = _SPACE_AT_NUMBER.sub("", text)
    if "(" in text:
        text = _RUBY.sub("", text)
    if "," in text:
        text = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), text)
    # protected words -> private-use characters while numerals are read
    words: list[str] = []

    def protect(match: re.Match[str]) -> str:
        words.append(match.group(0))
        return chr(_MASK_BASE + len(words) - 1)

    if _WORD_START.search(text):
        text = _WORDS_RE.sub(protect, text)
    if single:
        text = text.replace("两", "二")
        if _KANA_NUMBER_START.search(text):
            text = _KANA_NUMBER.sub(lambda m: _KANA_NUMBERS[m.group(1) or m.group(2)], text)
    if _HAS_KANJI.search(text):
        text = _numerals(text, single)
    if words:
        text = _MASKED.sub(
            lambda m: words[ord(m.group(0)) - _MASK_BASE] if ord(m.group(0)) - _MASK_BASE < len(words) else m.group(0),
            text,
        )
    if _KANA_ANY.search(text):
        for pattern, repl in _KANA_COUNTERS:
            text = pattern.sub(repl, text)
        text = _KANA_DAY.sub(lambda m: f"{_KANA_DAYS[m.group(1)]}日", text)
    if _DATES_ANY.search(text):
        # 和暦 -> 西暦
        text = _ERA.sub(lambda m: str(_era_year(ERAS[m.group(1)], m.group(2))), text)
        text = _ERA_ABBR_RE.sub(lambda m: str(_era_year(_ERA_ABBR[m.group(1).lower()], m.group(2))), text)
        text = _DOUBLE_YEAR.sub(_double_year, text)
        # dates
        text = _YMD.sub(_ymd, text)
        text = _YM_SLASH.sub(
            lambda m: f"{int(m.group(1))}年{int(m.group(2))}月" if 1 <= int(m.group(2)) <= 12 else m.group(0), text
        )
        text = _MD_SLASH.sub(
            lambda m: (
                f"{int(m.group(1))}月{int(m.group(2))}日"
                if 1 <= int(m.group(1)) <= 12 and 1 <= int(m.group(2)) <= 31
                else m.group(0)
            ),
            text,
        )
        text = _DAY_RANGE.sub(
            lambda m: f"{m.group(1)}月{m.group(2)}日{m.group(3) or ''}{m.group(4)}{m.group(1)}月{m.group(5)}日", text
        )
    if _TIMES_ANY.search(text):
        text = _NOON_RANGE.sub("午後0時", text)  # 昼12時から1時まで: the 1 is 13時
        text = text.replace("正午", "12時")
        text = _AMPM.sub(_ampm, text)
        text = _COLON_TIME.sub(_colon, text)
        text = _HALF.sub("時30分", text)
        text = _LEADING_ZERO.sub("", text)
        text = _EVENING.sub(_evening, text)
        text = _HALF_DAY_RANGE.sub(_half_day_range, text)
        text = _AMPM_JA.sub(_ampm_ja, text)
        text = _ZERO_MIN.sub("", text)
    if _AMOUNTS_ANY.search(text):
        # amounts, percentages, counters
        text = _YEN_BEFORE.sub(r"\1円", text)
        text = _YEN_AFTER.sub(r"\1円", text)
        text = text.replace("パーセント", "%")
        text = _MONTHS_VARIANT.sub(r"か\1", text)
        text = text.replace("箇月", "か月")
    return text


_MASKED = lazy("[\ue000-\uf8ff]")
# The pre-tests of canon_forms. Each is true wherever one of the rewrites of its group could match
# (a necessary condition of every pattern of the group, as the comments say), and cheap: a character
# class, or a few short alternatives, where a group is up to 25 substitutions over the whole text.
_WHITESPACE = lazy(r"\s")
_DIGIT_OR_YEN = lazy(r"[\d¥]")  # _DIGIT_SPACE_DIGIT and _SPACE_AT_NUMBER: a space next to a digit or ¥
_WORD_START = lazy("[" + "".join(sorted({re.escape(word[0]) for word in _WORDS})) + "]")  # _WORDS_RE: a word of _WORDS
_KANA_NUMBER_START = lazy("|".join(sorted({re.escape(word[:2]) for word in _KANA_NUMBERS})))  # _KANA_NUMBER: a word
# _KANA_COUNTERS: a digit and the first kana of a counter (or 時 of 時はん); ごご/ごぜん before a digit;
# _KANA_DAY: a digit and 月
_KANA_ANY = lazy(r"\d[がにねじふぷえさかしまばけごどぱパ時月]|ごご\d|ごぜん\d")
# _ERA: an era name and 元 or a digit; _ERA_ABBR_RE: m/t/s/h/r and 元 or a digit; _DOUBLE_YEAR: a digit,
# maybe 年, and a bracket; _YMD, _YM_SLASH, _MD_SLASH: digit, separator, digit; _DAY_RANGE: digit, 月, digit
_DATES_ANY = lazy(r"(?:明治|大正|昭和|平成|令和)[元\d]|(?i:[mtshr])[元\d]|\d(?:年?[(\[]|[./-]\d|月\d)")
# _NOON_RANGE: 12時; 正午; _AMPM: a digit and a.m./pm; _COLON_TIME: digit, colon, digit; _HALF: 時半;
# _LEADING_ZERO: a 0 before a digit; _EVENING: 夕方 … and a digit; _HALF_DAY_RANGE and _AMPM_JA: 午前/午後
# and a digit; _ZERO_MIN: 時0分
_TIMES_ANY = lazy(r"12時|正午|(?i:\d[ap]\.?m)|\d:\d|時半|0\d|(?:夕方|夕刻|夜|晩|ゆうがた|よる)の?\d|午[前後]\d|時0分")
# _YEN_BEFORE: ¥ or jpy before a digit; _YEN_AFTER: a digit before jpy; パーセント; _MONTHS_VARIANT: a
# digit and ヶ/ケ/カ/ヵ/箇; 箇月
_AMOUNTS_ANY = lazy(r"(?i:¥\d|jpy\d|\djpy)|パーセント|箇月|\d[ヶケカヵ箇]")


@lru_cache(maxsize=8192)  # pure: references and rules recur; bounded, since answer lines pass here too (memory target)
def canonical(text: str, *, single: bool = True) -> str:
    """The canonical form of ``text`` (see the module docstring); idempotent."""
    text = _LIST_MARKER.sub("", prepare(text))
    text = _SENTENCE_DOT.sub("。", text)
    text = _DIGIT_SPACE_DIGIT.sub("、", text)
    text = _SPACE.sub("", text)
    return canon_forms(text, single=single)


def plain(text: str) -> str:
    """The canonical form without the number rewrites: NFKC, casefold, no whitespace, no thousands
    separators. Matching tries it beside :func:`canonical`, so a word whose numeral reads
    differently in another context (六本木 / 港区六本木) is still found as written."""
    text = _SPACE.sub("", prepare(text))
    return _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), text)


# ------------------------------------------------------------------------------------- matching
_NUMBER_BEFORE = lazy(r"\d\.?$")
_NUMBER_AFTER = lazy(r"^\.?\d")
# A value that ends in a unit the number goes on after: 「17時」 is not in 「17時30分」, 「3億」 not in 「3億5千万」.
_CONTINUED = (
    ("時", lazy(r"^[、,]?(?:\d|[〇一二三四五六七八九十])+分")),
    ("万", lazy(r"^[\d〇一二三四五六七八九十百千]")),
    ("億", lazy(r"^[\d〇一二三四五六七八九十百千]")),
    ("兆", lazy(r"^[\d〇一二三四五六七八九十百千]")),
)
# 「第」 before a number and 条/項/号: 「第34条」「憲法34条」「34条」 are the same article.
_ORDINAL = lazy(r"第(?=\d+(?:条|項|号))")


def without_ordinal(text: str) -> tuple[str, list[int]]:
    """``text`` with 第 dropped before a number and 条/項/号, and for each kept character its offset in ``text``."""
    drop = {m.start() for m in _ORDINAL.finditer(text)}
    index = [i for i in range(len(text)) if i not in drop]
    return "".join(text[i] for i in index), index


def continues(value: str, rest: str) -> bool:
    """Whether the text after a found ``value`` carries on its number (「17時」 + 「30分」, 「3億」 + 「5千万」)."""
    return any(
        value.endswith(unit) and value[: -len(unit)][-1:].isdigit() and pattern.match(rest)
        for unit, pattern in _CONTINUED
    )


def _find_all(value: str, text: str, before: re.Pattern[str], after: re.Pattern[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = text.find(value)
    while start >= 0:
        end = start + len(value)
        if not (
            (value[0].isdigit() and before.search(text[:start]))
            or (value[-1].isdigit() and after.match(text[end:]))
            or continues(value, text[end:])
        ):
            spans.append((start, end))
        start = text.find(value, start + 1)
    return spans


def find_spans(
    value: str, text: str, before: re.Pattern[str] = _NUMBER_BEFORE, after: re.Pattern[str] = _NUMBER_AFTER
) -> list[tuple[int, int]]:
    """Spans of ``value`` in ``text`` with number boundaries kept (``before``/``after``: a digit next to
    it), a unit's number not cut short (``continues``), and 第 before an article number optional on both
    sides (第34条 = 34条)."""
    if not value:
        return []
    spans = _find_all(value, text, before, after)
    if ("第" in value or "第" in text) and (_ORDINAL.search(value) or _ORDINAL.search(text)):
        bare_value = _ORDINAL.sub("", value)
        bare_text, index = without_ordinal(text)
        for s, e in _find_all(bare_value, bare_text, before, after):
            span = (index[s], index[e - 1] + 1)
            if span not in spans:
                spans.append(span)
        spans.sort()
    return spans


def occurrences(value: str, text: str) -> list[tuple[int, int]]:
    """Spans of ``value`` in ``text`` (both canonical), but a value that starts or ends with a digit
    never inside a longer number: 「30000円」 is not in 「130000円」, 「5%」 not in 「0.5%」; a value ending
    in 時/万/億 never where the number goes on (「17時」 is not in 「17時30分」); and 第 before a number and
    条/項/号 optional on both sides (「第34条」 is in 「憲法34条」)."""
    return find_spans(value, text)
